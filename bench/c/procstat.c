/*
 * procstat.c -- prints one reading of a process from Linux /proc, for
 * `deno task bench` (Deno asks for --allow-all to read /proc/PID/..., so the
 * harness runs this small helper instead).
 *
 * Usage: procstat PID
 * Output (one line):
 *   rss_kib=N fds=N cpu_threads_s=X cpu_ticks_s=Y busy_all_s=Z
 *   rss_kib        VmRSS of /proc/PID/status
 *   fds            entries of /proc/PID/fd
 *   cpu_threads_s  user+system CPU of the live threads, from
 *                  /proc/PID/task/TID/schedstat (ns resolution); -1 if missing
 *   cpu_ticks_s    utime+stime of /proc/PID/stat (clock ticks, includes
 *                  exited threads)
 *   busy_all_s     non-idle CPU time of the whole machine, all CPUs, from
 *                  /proc/stat (user+nice+system+irq+softirq+steal)
 *   workers_cpu_s  CPU s of each thread named worker-N (Deno names a Worker's
 *                  thread so), comma-separated as worker-N:S, ordered by N;
 *                  "-" when there is none
 * Exit status 1 when the process does not exist.
 *
 * Build: gcc -O2 -Wall -o procstat procstat.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PID\n", argv[0]);
        return 2;
    }
    const char *pid = argv[1];
    char path[256], line[512];

    long rss = -1;
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &rss) == 1) break;
    fclose(f);

    long fds = 0;
    snprintf(path, sizeof path, "/proc/%s/fd", pid);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') fds++;
        closedir(d);
    } else {
        fds = -1;
    }

    double threads_s = -1;
    enum { MAX_WORKERS = 256 };
    double worker_s[MAX_WORKERS + 1];
    int max_worker = 0;
    for (int i = 0; i <= MAX_WORKERS; i++) worker_s[i] = -1;
    snprintf(path, sizeof path, "/proc/%s/task", pid);
    d = opendir(path);
    if (d) {
        unsigned long long ns = 0;
        int any = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char p2[512];
            snprintf(p2, sizeof p2, "/proc/%s/task/%s/schedstat", pid, e->d_name);
            FILE *s = fopen(p2, "r");
            if (!s) continue;
            unsigned long long v;
            int got = fscanf(s, "%llu", &v) == 1;
            fclose(s);
            if (!got) continue;
            ns += v;
            any = 1;
            snprintf(p2, sizeof p2, "/proc/%s/task/%s/comm", pid, e->d_name);
            s = fopen(p2, "r");
            if (!s) continue;
            int n;
            if (fscanf(s, "worker-%d", &n) == 1 && n >= 1 && n <= MAX_WORKERS) {
                worker_s[n] = (double)v / 1e9;
                if (n > max_worker) max_worker = n;
            }
            fclose(s);
        }
        closedir(d);
        if (any) threads_s = (double)ns / 1e9;
    }

    double ticks_s = -1;
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    f = fopen(path, "r");
    if (f) {
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        char *p = strrchr(buf, ')');
        if (p) {
            /* fields after ") ": state(3) ... utime(14) stime(15) */
            unsigned long long ut = 0, st = 0;
            if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
                ticks_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
        }
    }
    double busy_s = -1;
    f = fopen("/proc/stat", "r");
    if (f) {
        unsigned long long u, n, sy, id, io, irq, sirq, st;
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &u, &n, &sy, &id, &io, &irq,
                   &sirq, &st) == 8)
            busy_s = (double)(u + n + sy + irq + sirq + st) / (double)sysconf(_SC_CLK_TCK);
        fclose(f);
    }
    printf("rss_kib=%ld fds=%ld cpu_threads_s=%.9f cpu_ticks_s=%.2f busy_all_s=%.2f workers_cpu_s=",
           rss, fds, threads_s, ticks_s, busy_s);
    int listed = 0;
    for (int i = 1; i <= max_worker; i++) {
        if (worker_s[i] < 0) continue;
        printf("%sworker-%d:%.9f", listed ? "," : "", i, worker_s[i]);
        listed++;
    }
    printf("%s\n", listed ? "" : "-");
    return 0;
}
