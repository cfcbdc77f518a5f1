/*
 * Copied from the echochat team's shared measuring tools (tools/echoload.c), so that
 * `deno task bench` is self-contained. Extended for the benchmark: see "bench additions" below.
 */
/*
 * echoload.c -- single-threaded epoll load generator for TCP echo servers.
 *
 * Build: gcc -O2 -Wall -o echoload echoload.c
 *
 * Modes
 *   pingpong  each connection sends a message of --size bytes, waits until the
 *             full echo is back (verifying every byte), records the round-trip
 *             latency and immediately sends the next message; for --duration s.
 *   stream    each connection writes continuously in write() calls of --size
 *             bytes while reading the echo back concurrently, keeping at most
 *             --window bytes in flight per connection; every echoed byte is
 *             checked against the pseudo-random pattern that was sent.
 *   idle      open --conns connections and hold them for --duration s without
 *             sending anything; reports how many connected and how many were
 *             closed by the server during the hold (with timestamps).
 *
 * Phases: 1) connect all connections (at most --connect-concurrency connects in
 * progress, at most --connect-rate new connects per second if given, give up
 * after --connect-timeout s).  1b) pingpong/stream only:
 * warm-up, one untimed round trip of --size bytes on every connection, so every
 * connection is known to be accepted and served before timing starts (give up
 * after --warmup-timeout s).  Then prints "READY ..." and flushes stdout.
 * 2) run for --duration s (the measurement window).  3) drain: shutdown(SHUT_WR)
 * every connection and wait up to --drain-timeout s for the server to echo what
 * is still in flight and close its side (counted as eof_ok).
 *
 * The last line printed is machine readable:
 *   RESULT mode=pingpong conns=50 size=64 ... rps=... p50_us=... errors=0 mismatches=0
 *
 * bench additions (for echochat's `deno task bench`):
 *   - mode churn: --conns slots each loop "connect, send --size bytes, read the
 *     echo back (verified), close" for --duration s; reports cycles/s (cps) and
 *     the latency of a whole cycle (connect to echo received).
 *   - pingpong/stream: conns_starved_1s = connections that completed no round
 *     trip (stream: received nothing) in at least one whole second of the
 *     window; conn_gap_max_us = the longest time any connection went without
 *     progress inside the window.
 *   - client_cpu_window_s / client_cpu_pct: this process's CPU inside the window.
 *   - idle: close_age_min_s / close_age_max_s = time from a connection's own
 *     connect to its close by the server (first and last).
 *   - --server-pid PID [--accept-window N=256]: for a server on this machine,
 *     start a new connect only while fewer than N completed connects are not
 *     yet accepted (counted from the server's /proc/PID/fd), so the server's
 *     accept queue (Deno: 511) never overflows; a dropped SYN costs 1 s, 3 s,
 *     7 s ... of retransmission.
 *   - SIGUSR1 ends the measurement window now (--duration is then an upper
 *     bound); the drain and the RESULT line follow as usual.
 *   - mode stuck: conns[0] is one normal client doing --size ping-pong round
 *     trips; --conns more "stuck peers" connect too. From the window start
 *     every stuck peer writes 16 KiB chunks whenever its socket takes them,
 *     at most --stuck-bytes in all, and never reads (it only watches for a
 *     close). The cap keeps the machine safe: on loopback the server's kernel
 *     buffers autotune to several MiB per connection, so 1,000 peers pushing
 *     until they block would drive the whole machine into TCP memory
 *     pressure (net.ipv4.tcp_mem); 1,000 x 1 MiB stays under it, and the cap
 *     is lowered where it would not (stuck_bytes in the RESULT). Reports the normal client's latency and its longest stall
 *     (max_stall_us: longest time without a completed round trip in the
 *     window), how many stuck peers are blocked / reached the cap / were
 *     closed by the server, when a stuck peer last got a byte in
 *     (stuck_last_write_s) and the kernel's TCP memory (tcp_mem_kib, from
 *     /proc/net/sockstat) at the end of the window. Then the stuck peers are
 *     closed at once (with unread data: a reset) and the normal client drains.
 *   - mode trickle: a slow typist on every connection. After connecting, it
 *     reads whatever the server sends on its own (a chat banner, join
 *     notices) until nothing arrives for --quiet-ms (with --need-banner also
 *     until every connection got a byte), then prints READY. In the window
 *     every connection sends one letter (a..z, never a newline) every
 *     --trickle-min..--trickle-max s (uniformly random, first one at a random
 *     point of its first interval) and reads and counts what arrives. Then
 *     every connection is closed at once (no drain).
 */
#include <dirent.h>
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { M_PINGPONG, M_STREAM, M_IDLE, M_CHURN, M_STUCK, M_TRICKLE };
#define STUCK_CHUNK (16 * 1024)   /* bench addition: a stuck peer's write() size */
#define STUCK_SOCKBUF (32 * 1024) /* bench addition: a stuck peer's SO_RCVBUF / SO_SNDBUF */
enum { S_INIT, S_CONNECTING, S_OPEN, S_SHUT, S_CLOSED };

#define PAT_LEN 131071u /* prime; pattern buffer is stored twice in a row */
#define RBUF_LEN (64 * 1024)
#define MAX_EVENTS 1024

struct conn {
    int fd;
    int id;
    int state;
    unsigned events;
    /* pingpong */
    uint64_t seq;
    const unsigned char *msg;
    size_t sent, rcvd;
    uint64_t t0;
    int bad; /* current message already counted as mismatch */
    int warmed; /* completed the warm-up round trip */
    /* stream */
    uint64_t tx, rx;
    size_t chunk_left;
    uint32_t seed;
    /* timing */
    uint64_t t_connected;
    /* fairness: work done for this connection inside the window */
    uint64_t win_rtts, win_rx;
    /* bench additions: per-second starvation and longest gap in the window */
    uint64_t t_last, gap_max;
    long last_bucket;
    int sec_starved;
    /* bench additions: stuck peer state, trickle schedule */
    int sk_state; /* SK_PUSHING, SK_BLOCKED, SK_CAPPED */
    uint32_t rng;
};

/* options */
static const char *opt_host = "127.0.0.1";
static int opt_port = 7000;
static int opt_mode = M_PINGPONG;
static int opt_conns = 50;
static size_t opt_size = 64;
static double opt_duration = 10.0;
static size_t opt_window = 256 * 1024;
static int opt_connect_conc = 256;
static double opt_connect_rate = 0; /* new connections per second, 0 = unlimited */
static int opt_server_pid = 0;      /* bench addition: gate connects on the server's accepts */
static long opt_accept_window = 256;
static double opt_connect_timeout = 30.0;
static double opt_drain_timeout = 3.0;
static double opt_warmup_timeout = 30.0;
static int opt_nodelay = 1;
static int opt_close_log = 50;
static size_t opt_stuck_bytes = 1024 * 1024; /* bench addition: per stuck peer */
static double opt_trickle_min = 2.0, opt_trickle_max = 3.0; /* bench addition */
static int opt_quiet_ms = 300;        /* bench addition: trickle settle */
static int opt_need_banner = 0;       /* bench addition: trickle settle */
static double opt_settle_timeout = 30.0;
static volatile sig_atomic_t end_now; /* bench addition: SIGUSR1 */

/* state */
static int epfd;
static struct conn *conns;
static unsigned char *pat2;
static unsigned char rbuf[RBUF_LEN];
static int warming;  /* warm-up round trip before the window */
static int running;  /* in measurement window */
static int draining; /* after the window */
static uint64_t t_start, t_end;

/* counters */
static long n_connected, n_connect_failed, n_connect_timeout;
static long n_io_errors, n_early_eof, n_eof_ok, n_eof_missing;
static long n_mismatches, n_mismatch_conns;
static long n_warmed;
static uint64_t extra_bytes, lost_bytes;
static uint64_t rtts;
static uint64_t tx_run, rx_run, rx_total_all;
static long n_closed_by_server, n_reset_by_server;
static uint64_t unexpected_bytes;
static double first_close_s = -1, last_close_s = -1;
static long close_hist[3600];
static int close_logged;
static char *mismatch_flag; /* per-conn: already counted in n_mismatch_conns */
static double close_age_min_s = -1, close_age_max_s = -1;
static uint64_t churn_cycles;
static long n_unfinished;
static struct sockaddr_in g_sa;

/* latency samples (ns, clamped to uint32) */
static uint32_t *lat;
static size_t lat_n, lat_cap;
static uint64_t lat_max_ns, lat_sum_ns;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *m) {
    perror(m);
    exit(1);
}

static void lat_add(uint64_t ns) {
    if (lat_n == lat_cap) {
        lat_cap = lat_cap ? lat_cap * 2 : (1u << 20);
        lat = realloc(lat, lat_cap * sizeof *lat);
        if (!lat) die("realloc");
    }
    lat[lat_n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
    if (ns > lat_max_ns) lat_max_ns = ns;
    lat_sum_ns += ns;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* per-connection work in the window (round trips or echoed bytes) over the
 * connections that were open at the start of the window: min / median / max,
 * and how many got nothing at all ("starved") */
static void fairness(uint64_t *mn, uint64_t *md, uint64_t *mx, long *starved) {
    uint64_t *v = malloc(sizeof(uint64_t) * (size_t)opt_conns);
    size_t n = 0;
    *starved = 0;
    for (int i = 0; i < opt_conns; i++) {
        if (!conns[i].t_connected) continue; /* never connected */
        uint64_t w = opt_mode == M_PINGPONG ? conns[i].win_rtts : conns[i].win_rx;
        v[n++] = w;
        if (w == 0) (*starved)++;
    }
    if (n == 0) {
        *mn = *md = *mx = 0;
    } else {
        qsort(v, n, sizeof *v, cmp_u64);
        *mn = v[0];
        *md = v[n / 2];
        *mx = v[n - 1];
    }
    free(v);
}

/* progress of connection c at time t inside the window (bench addition) */
static void fair_tick(struct conn *c, uint64_t t) {
    uint64_t gap = t - c->t_last;
    if (gap > c->gap_max) c->gap_max = gap;
    c->t_last = t;
    long b = (long)((t - t_start) / 1000000000ull);
    if (b > c->last_bucket + 1) c->sec_starved = 1; /* a whole second without progress */
    c->last_bucket = b;
}

/* at the end of the window: connections that starved in some whole second,
 * and the longest gap (ns) of any connection open at the window start */
static long fair_seconds(uint64_t t_stop, uint64_t *gap_max) {
    long whole = (long)((t_stop - t_start) / 1000000000ull);
    long starved = 0;
    *gap_max = 0;
    for (int i = 0; i < opt_conns; i++) {
        struct conn *c = &conns[i];
        if (!c->t_connected) continue;
        uint64_t gap = t_stop - c->t_last;
        if (gap > c->gap_max) c->gap_max = gap;
        if (c->gap_max > *gap_max) *gap_max = c->gap_max;
        if (c->last_bucket + 1 <= whole - 1) c->sec_starved = 1;
        if (c->sec_starved) starved++;
    }
    return starved;
}

/* open descriptors of the server (bench addition), -1 if unreadable */
static long server_fds(void) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", opt_server_pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static double pct_us(double p) {
    if (lat_n == 0) return 0;
    size_t idx = (size_t)(p / 100.0 * (double)lat_n);
    if (idx >= lat_n) idx = lat_n - 1;
    return lat[idx] / 1000.0;
}

static void set_events(struct conn *c, unsigned ev) {
    if (c->events == ev) return;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) < 0) die("epoll_ctl MOD");
    c->events = ev;
}

static void conn_close(struct conn *c) {
    if (c->state == S_CLOSED) return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = S_CLOSED;
}

static void count_mismatch(struct conn *c) {
    n_mismatches++;
    if (!mismatch_flag[c->id]) {
        mismatch_flag[c->id] = 1;
        n_mismatch_conns++;
    }
}

/* ------------------------------------------------------------ pingpong */

static void pp_next_msg(struct conn *c) {
    c->seq++;
    size_t off = ((uint64_t)c->id * 7919u + c->seq * 104729u) % PAT_LEN;
    c->msg = pat2 + off;
    c->sent = c->rcvd = 0;
    c->bad = 0;
    c->t0 = now_ns();
}

static void pp_write(struct conn *c) {
    while (c->sent < opt_size) {
        ssize_t w = write(c->fd, c->msg + c->sent, opt_size - c->sent);
        if (w > 0) {
            c->sent += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(c, EPOLLIN | EPOLLOUT);
            return;
        } else {
            n_io_errors++;
            conn_close(c);
            return;
        }
    }
    set_events(c, EPOLLIN);
}

static void pp_data(struct conn *c, const unsigned char *p, size_t n) {
    size_t expect = c->sent - c->rcvd;
    size_t m = n;
    if (n > expect) {
        extra_bytes += n - expect;
        m = expect;
    }
    if (m > 0 && memcmp(p, c->msg + c->rcvd, m) != 0 && !c->bad) {
        c->bad = 1;
        count_mismatch(c);
    }
    c->rcvd += m;
    if (c->rcvd == opt_size) {
        if (!c->warmed) {
            /* warm-up message done (not timed); a late one starts the loop */
            c->warmed = 1;
            n_warmed++;
            if (running) {
                pp_next_msg(c);
                pp_write(c);
            }
        } else if (running) {
            uint64_t t = now_ns();
            lat_add(t - c->t0);
            rtts++;
            c->win_rtts++;
            fair_tick(c, t);
            pp_next_msg(c);
            pp_write(c);
        }
    }
}

/* -------------------------------------------------------------- stream */

static void st_pump(struct conn *c) {
    int want_out = 0;
    while (running && c->state == S_OPEN) {
        if (c->chunk_left == 0) {
            if (c->tx - c->rx + opt_size > opt_window) break; /* window full */
            c->chunk_left = opt_size;
        }
        size_t off = (size_t)((c->tx + c->seed) % PAT_LEN);
        ssize_t w = write(c->fd, pat2 + off, c->chunk_left);
        if (w > 0) {
            c->tx += (uint64_t)w;
            c->chunk_left -= (size_t)w;
            tx_run += (uint64_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            want_out = 1;
            break;
        } else {
            n_io_errors++;
            conn_close(c);
            return;
        }
    }
    if (c->state == S_OPEN || c->state == S_SHUT)
        set_events(c, EPOLLIN | (want_out ? EPOLLOUT : 0));
}

/* warm-up: send the first opt_size bytes of the stream and wait for their echo */
static void st_warm_write(struct conn *c) {
    while (c->tx < opt_size) {
        size_t off = (size_t)((c->tx + c->seed) % PAT_LEN);
        ssize_t w = write(c->fd, pat2 + off, opt_size - (size_t)c->tx);
        if (w > 0) {
            c->tx += (uint64_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(c, EPOLLIN | EPOLLOUT);
            return;
        } else {
            n_io_errors++;
            conn_close(c);
            return;
        }
    }
    set_events(c, EPOLLIN);
}

static void st_data(struct conn *c, const unsigned char *p, size_t n) {
    uint64_t inflight = c->tx - c->rx;
    size_t m = n;
    if ((uint64_t)n > inflight) {
        extra_bytes += n - inflight;
        m = (size_t)inflight;
    }
    if (m > 0) {
        size_t off = (size_t)((c->rx + c->seed) % PAT_LEN);
        if (memcmp(p, pat2 + off, m) != 0) count_mismatch(c);
        c->rx += m;
        if (running) {
            rx_run += m;
            c->win_rx += m;
            fair_tick(c, now_ns());
        }
        rx_total_all += m;
    }
    if (!c->warmed && c->rx >= opt_size) {
        c->warmed = 1;
        n_warmed++;
    }
    if (running) st_pump(c);
}

/* ---------------------------------------------------------------- idle */

static void idle_closed(struct conn *c, int reset) {
    uint64_t t = now_ns();
    double t_hold = t_start ? (double)((int64_t)(t - t_start)) / 1e9 : 0.0;
    double t_conn = (double)(t - c->t_connected) / 1e9;
    n_closed_by_server++;
    if (reset) n_reset_by_server++;
    if (first_close_s < 0) first_close_s = t_hold;
    if (close_age_min_s < 0 || t_conn < close_age_min_s) close_age_min_s = t_conn;
    if (t_conn > close_age_max_s) close_age_max_s = t_conn;
    last_close_s = t_hold;
    int sec = t_hold < 0 ? 0 : (int)t_hold;
    if (sec >= 3600) sec = 3599;
    close_hist[sec]++;
    if (close_logged < opt_close_log) {
        close_logged++;
        printf("CLOSE conn=%d t_hold_s=%.3f t_since_connect_s=%.3f how=%s\n", c->id, t_hold,
               t_conn, reset ? "reset" : "fin");
    }
}

/* --------------------------------------------------------------- stuck */
/* bench addition: peers that push and never read (see the header) */

enum { SK_PUSHING, SK_BLOCKED, SK_CAPPED };
static long stuck_closed;
static uint64_t stuck_last_write_ns;

static void sk_push(struct conn *c) {
    while (c->tx < opt_stuck_bytes) {
        size_t len = opt_stuck_bytes - (size_t)c->tx;
        if (len > STUCK_CHUNK) len = STUCK_CHUNK;
        ssize_t w = write(c->fd, pat2 + (size_t)((c->tx + c->seed) % PAT_LEN), len);
        if (w > 0) {
            c->tx += (uint64_t)w;
            tx_run += (uint64_t)w;
            stuck_last_write_ns = now_ns();
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->sk_state = SK_BLOCKED;
            set_events(c, EPOLLOUT | EPOLLRDHUP);
            return;
        } else { /* reset or closed by the server */
            stuck_closed++;
            conn_close(c);
            return;
        }
    }
    c->sk_state = SK_CAPPED;
    set_events(c, EPOLLRDHUP);
}

static void sk_event(struct conn *c, unsigned e) {
    if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        stuck_closed++;
        conn_close(c);
    } else if (e & EPOLLOUT) {
        c->sk_state = SK_PUSHING;
        sk_push(c);
    }
}

/* The normal client runs in its own thread with its own poll(), so the
 * pushing of the stuck peers (up to GiB of write() calls in the main thread)
 * never delays its round trips: on the shared CPU the kernel wakes it as soon
 * as its echo arrives. Only this thread touches conns[0] and the latency
 * samples during the window. */
static long nc_errors, nc_early_eof, nc_mismatches;
static volatile sig_atomic_t nc_stop;

static void *normal_client(void *arg) {
    struct conn *c = arg;
    static unsigned char buf[4096];
    struct pollfd p = {.fd = c->fd};
    pp_next_msg(c);
    for (;;) {
        uint64_t t = now_ns();
        if (t >= t_end || nc_stop) break;
        while (c->sent < opt_size) {
            ssize_t w = write(c->fd, c->msg + c->sent, opt_size - c->sent);
            if (w > 0) c->sent += (size_t)w;
            else if (w < 0 && errno == EINTR) continue;
            else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            else { nc_errors++; return NULL; }
        }
        p.events = POLLIN | (c->sent < opt_size ? POLLOUT : 0);
        if (poll(&p, 1, 20) <= 0) continue;
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n == 0) { nc_early_eof++; return NULL; }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            nc_errors++;
            return NULL;
        }
        size_t m = (size_t)n, expect = c->sent - c->rcvd;
        if (m > expect) {
            extra_bytes += m - expect;
            m = expect;
        }
        if (m > 0 && memcmp(buf, c->msg + c->rcvd, m) != 0 && !c->bad) {
            c->bad = 1;
            nc_mismatches++;
        }
        c->rcvd += m;
        if (c->rcvd == opt_size) {
            t = now_ns();
            lat_add(t - c->t0);
            rtts++;
            c->win_rtts++;
            fair_tick(c, t);
            pp_next_msg(c);
        }
    }
    return NULL;
}

/* the kernel's TCP memory in KiB (/proc/net/sockstat "TCP: ... mem PAGES"), -1 if unknown */
static long tcp_mem_kib(void) {
    FILE *f = fopen("/proc/net/sockstat", "r");
    if (!f) return -1;
    char line[256];
    long pages = -1;
    while (fgets(line, sizeof line, f)) {
        char *m = strncmp(line, "TCP:", 4) == 0 ? strstr(line, " mem ") : NULL;
        if (m) pages = atol(m + 5);
    }
    fclose(f);
    return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* lowers --stuck-bytes so that all stuck peers together stay under 90 % of
 * tcp_mem's first threshold (below it the kernel does not regulate TCP memory) */
static void sk_fit_tcp_mem(int peers) {
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_mem", "r");
    long lo = 0;
    if (!f) return;
    if (fscanf(f, "%ld", &lo) != 1) lo = 0;
    fclose(f);
    if (lo <= 0 || peers <= 0) return;
    double fit = 0.9 * (double)lo * (double)sysconf(_SC_PAGESIZE) / peers;
    if ((double)opt_stuck_bytes > fit) opt_stuck_bytes = fit < 65536 ? 65536 : (size_t)fit;
}

/* ------------------------------------------------------------- trickle */
/* bench addition: a slow typist on every connection (see the header) */

static uint64_t trickle_sent, trickle_blocked;
static uint64_t t_last_rx;

/* next pause of connection c, uniformly random in [--trickle-min, --trickle-max] s */
static uint64_t tr_interval(struct conn *c) {
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 17;
    c->rng ^= c->rng << 5;
    double u = (double)c->rng / 4294967296.0;
    return (uint64_t)((opt_trickle_min + u * (opt_trickle_max - opt_trickle_min)) * 1e9);
}

static void tr_tick(uint64_t t) {
    for (int i = 0; i < opt_conns; i++) {
        struct conn *c = &conns[i];
        if (c->state != S_OPEN || c->t0 > t) continue;
        char letter = (char)('a' + c->seq % 26);
        ssize_t w = write(c->fd, &letter, 1);
        if (w == 1) {
            c->seq++;
            trickle_sent++;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            trickle_blocked++;
        } else {
            n_io_errors++;
            conn_close(c);
            continue;
        }
        c->t0 += tr_interval(c);
    }
}

/* ------------------------------------------------------------- generic */

static void on_readable(struct conn *c) {
    ssize_t n = read(c->fd, rbuf, sizeof rbuf);
    if (n > 0) {
        if (opt_mode == M_PINGPONG || opt_mode == M_STUCK) {
            pp_data(c, rbuf, (size_t)n);
        } else if (opt_mode == M_STREAM) {
            st_data(c, rbuf, (size_t)n);
        } else if (opt_mode == M_TRICKLE) {
            rx_total_all += (uint64_t)n;
            c->rx += (uint64_t)n;
            t_last_rx = now_ns();
        } else {
            unexpected_bytes += (uint64_t)n;
        }
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    /* EOF or error */
    if (c->state == S_SHUT) {
        if (n == 0) {
            n_eof_ok++;
            if (opt_mode == M_PINGPONG || opt_mode == M_STUCK) lost_bytes += c->sent - c->rcvd;
            if (opt_mode == M_STREAM) lost_bytes += c->tx - c->rx;
        } else {
            n_io_errors++;
        }
    } else if (opt_mode == M_IDLE || opt_mode == M_TRICKLE) {
        idle_closed(c, n < 0);
    } else {
        if (n == 0)
            n_early_eof++;
        else
            n_io_errors++;
    }
    conn_close(c);
}

static void on_writable(struct conn *c) {
    if (c->state != S_OPEN) {
        set_events(c, EPOLLIN);
        return;
    }
    if (opt_mode == M_PINGPONG || opt_mode == M_STUCK)
        pp_write(c);
    else if (opt_mode == M_STREAM && warming)
        st_warm_write(c);
    else if (opt_mode == M_STREAM)
        st_pump(c);
    else
        set_events(c, EPOLLIN | EPOLLRDHUP);
}

static int start_connect(struct conn *c, struct sockaddr_in *sa) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("socket");
        return -1;
    }
    if (opt_nodelay) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (opt_mode == M_STUCK && c->id > 0) {
        /* small buffers on the peer's side (set before connect), so a stuck
         * peer's own socket fills soon; the server's side autotunes as it likes */
        int b = STUCK_SOCKBUF;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &b, sizeof b);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &b, sizeof b);
    }
    c->fd = fd;
    c->state = S_CONNECTING;
    int r = connect(fd, (struct sockaddr *)sa, sizeof *sa);
    if (r < 0 && errno != EINPROGRESS) {
        close(fd);
        c->fd = -1;
        c->state = S_CLOSED;
        return -1;
    }
    c->events = EPOLLOUT;
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) die("epoll_ctl ADD");
    return 0;
}

static int connect_done(struct conn *c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err != 0) {
        conn_close(c);
        return -1;
    }
    c->state = S_OPEN;
    c->t_connected = now_ns();
    set_events(c, opt_mode == M_IDLE || opt_mode == M_TRICKLE ? (EPOLLIN | EPOLLRDHUP) : EPOLLIN);
    return 0;
}

static void dispatch(struct epoll_event *ev) {
    struct conn *c = ev->data.ptr;
    if (c->state == S_CLOSED) return;
    unsigned e = ev->events;
    if (c->state == S_CONNECTING) {
        /* handled by caller */
        return;
    }
    if (opt_mode == M_STUCK && c->id > 0 && running) {
        sk_event(c, e);
        return;
    }
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        on_readable(c);
        if (c->state == S_CLOSED) return;
    }
    if (e & EPOLLOUT) on_writable(c);
}

/* --------------------------------------------------------------- churn */
/* bench addition: every slot loops "connect, one echo of --size bytes, close" */

static void ch_begin(struct conn *c) {
    c->t0 = now_ns();
    c->sent = c->rcvd = 0;
    c->bad = 0;
    if (start_connect(c, &g_sa) < 0) n_connect_failed++; /* the slot stays closed */
}

static void ch_finish(struct conn *c, int ok) {
    conn_close(c);
    if (ok && running) {
        lat_add(now_ns() - c->t0);
        churn_cycles++;
        c->win_rtts++;
    }
    if (running) ch_begin(c);
}

static void ch_event(struct conn *c, unsigned e) {
    if (c->state == S_CONNECTING) {
        if (connect_done(c) < 0) {
            n_connect_failed++;
            if (running) ch_begin(c);
            return;
        }
        c->seq++;
        c->msg = pat2 + ((uint64_t)c->id * 7919u + c->seq * 104729u) % PAT_LEN;
        pp_write(c);
        if (c->state == S_CLOSED && running) ch_begin(c);
        return;
    }
    if (c->state != S_OPEN) return;
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        ssize_t n = read(c->fd, rbuf, sizeof rbuf);
        if (n > 0) {
            size_t expect = c->sent - c->rcvd, m = (size_t)n;
            if (m > expect) {
                extra_bytes += m - expect;
                m = expect;
            }
            if (m > 0 && memcmp(rbuf, c->msg + c->rcvd, m) != 0 && !c->bad) {
                c->bad = 1;
                count_mismatch(c);
            }
            c->rcvd += m;
            if (c->rcvd == opt_size) {
                ch_finish(c, !c->bad);
                return;
            }
        } else if (!(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) {
            if (n == 0)
                n_early_eof++;
            else
                n_io_errors++;
            ch_finish(c, 0);
            return;
        }
    }
    if ((e & EPOLLOUT) && c->state == S_OPEN) {
        pp_write(c);
        if (c->state == S_CLOSED && running) ch_begin(c);
    }
}

static long ch_in_flight(void) {
    long k = 0;
    for (int i = 0; i < opt_conns; i++)
        if (conns[i].state == S_CONNECTING || conns[i].state == S_OPEN) k++;
    return k;
}

static void run_churn(void) {
    struct epoll_event evs[MAX_EVENTS];
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    printf("READY mode=churn\n");
    fflush(stdout);
    t_start = now_ns();
    t_end = t_start + (uint64_t)(opt_duration * 1e9);
    running = 1;
    for (int i = 0; i < opt_conns; i++) ch_begin(&conns[i]);
    for (;;) {
        uint64_t t = now_ns();
        if (t >= t_end) break;
        int to_ms = (int)((t_end - t + 999999) / 1000000);
        if (to_ms > 100) to_ms = 100;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, to_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) ch_event(evs[i].data.ptr, evs[i].events);
    }
    uint64_t t_stop = now_ns();
    running = 0;
    getrusage(RUSAGE_SELF, &r1);
    double run_s = (double)(t_stop - t_start) / 1e9;
    uint64_t cycles = churn_cycles;
    uint64_t td_deadline = now_ns() + (uint64_t)(opt_drain_timeout * 1e9);
    while (ch_in_flight() > 0) {
        uint64_t t = now_ns();
        if (t >= td_deadline) break;
        int to_ms = (int)((td_deadline - t + 999999) / 1000000);
        if (to_ms > 100) to_ms = 100;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, to_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) ch_event(evs[i].data.ptr, evs[i].events);
    }
    for (int i = 0; i < opt_conns; i++) {
        if (conns[i].state == S_CONNECTING || conns[i].state == S_OPEN) {
            n_unfinished++;
            conn_close(&conns[i]);
        }
    }
    double cpu_w = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                   (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
                   (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                   (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    qsort(lat, lat_n, sizeof *lat, cmp_u32);
    long errors = n_connect_failed + n_io_errors + n_early_eof + n_unfinished;
    printf("RESULT mode=churn conns=%d size=%zu duration_s=%.3f cycles=%llu cps=%.0f "
           "p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f errors=%ld connect_failed=%ld "
           "io_errors=%ld early_eof=%ld unfinished=%ld mismatches=%ld extra_bytes=%llu "
           "client_cpu_window_s=%.2f client_cpu_pct=%.1f\n",
           opt_conns, opt_size, run_s, (unsigned long long)cycles, (double)cycles / run_s,
           pct_us(50), pct_us(90), pct_us(99), lat_max_ns / 1000.0, errors, n_connect_failed,
           n_io_errors, n_early_eof, n_unfinished, n_mismatches,
           (unsigned long long)extra_bytes, cpu_w, cpu_w / run_s * 100.0);
    fflush(stdout);
}

static void on_usr1(int sig) {
    (void)sig;
    end_now = 1;
}

static void usage(const char *p) {
    fprintf(stderr,
            "usage: %s --port P [--host 127.0.0.1] --mode pingpong|stream|idle|churn|stuck|trickle\n"
            "          [--conns N=50] [--size BYTES=64] [--duration S=10]\n"
            "          [--window BYTES=262144] [--connect-concurrency N=256]\n"
            "          [--connect-rate PER_SEC=0 (unlimited)]\n"
            "          [--connect-timeout S=30] [--drain-timeout S=3] [--warmup-timeout S=30]\n"
            "          [--no-nodelay] [--close-log N=50]\n"
            "          [--server-pid PID [--accept-window N=256]]\n"
            "          [--stuck-bytes BYTES=1048576] (stuck)\n"
            "          [--trickle-min S=2] [--trickle-max S=3] [--quiet-ms MS=300]\n"
            "          [--need-banner] [--settle-timeout S=30] (trickle)\n",
            p);
    exit(2);
}

int main(int argc, char **argv) {
    static struct option lo[] = {
        {"host", required_argument, 0, 'h'},
        {"port", required_argument, 0, 'p'},
        {"mode", required_argument, 0, 'm'},
        {"conns", required_argument, 0, 'c'},
        {"size", required_argument, 0, 's'},
        {"duration", required_argument, 0, 'd'},
        {"window", required_argument, 0, 'w'},
        {"connect-concurrency", required_argument, 0, 'C'},
        {"connect-timeout", required_argument, 0, 'T'},
        {"connect-rate", required_argument, 0, 'R'},
        {"drain-timeout", required_argument, 0, 'D'},
        {"warmup-timeout", required_argument, 0, 'W'},
        {"no-nodelay", no_argument, 0, 'N'},
        {"close-log", required_argument, 0, 'L'},
        {"server-pid", required_argument, 0, 'P'},
        {"accept-window", required_argument, 0, 'A'},
        {"stuck-bytes", required_argument, 0, 'B'},
        {"trickle-min", required_argument, 0, 'i'},
        {"trickle-max", required_argument, 0, 'I'},
        {"quiet-ms", required_argument, 0, 'q'},
        {"need-banner", no_argument, 0, 'b'},
        {"settle-timeout", required_argument, 0, 'S'},
        {"help", no_argument, 0, '?'},
        {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case 'h': opt_host = optarg; break;
        case 'p': opt_port = atoi(optarg); break;
        case 'm':
            if (!strcmp(optarg, "pingpong")) opt_mode = M_PINGPONG;
            else if (!strcmp(optarg, "stream")) opt_mode = M_STREAM;
            else if (!strcmp(optarg, "idle")) opt_mode = M_IDLE;
            else if (!strcmp(optarg, "churn")) opt_mode = M_CHURN;
            else if (!strcmp(optarg, "stuck")) opt_mode = M_STUCK;
            else if (!strcmp(optarg, "trickle")) opt_mode = M_TRICKLE;
            else usage(argv[0]);
            break;
        case 'c': opt_conns = atoi(optarg); break;
        case 's': opt_size = (size_t)strtoull(optarg, NULL, 10); break;
        case 'd': opt_duration = atof(optarg); break;
        case 'w': opt_window = (size_t)strtoull(optarg, NULL, 10); break;
        case 'C': opt_connect_conc = atoi(optarg); break;
        case 'T': opt_connect_timeout = atof(optarg); break;
        case 'R': opt_connect_rate = atof(optarg); break;
        case 'D': opt_drain_timeout = atof(optarg); break;
        case 'W': opt_warmup_timeout = atof(optarg); break;
        case 'N': opt_nodelay = 0; break;
        case 'L': opt_close_log = atoi(optarg); break;
        case 'P': opt_server_pid = atoi(optarg); break;
        case 'A': opt_accept_window = atol(optarg); break;
        case 'B': opt_stuck_bytes = (size_t)strtoull(optarg, NULL, 10); break;
        case 'i': opt_trickle_min = atof(optarg); break;
        case 'I': opt_trickle_max = atof(optarg); break;
        case 'q': opt_quiet_ms = atoi(optarg); break;
        case 'b': opt_need_banner = 1; break;
        case 'S': opt_settle_timeout = atof(optarg); break;
        default: usage(argv[0]);
        }
    }
    if (opt_conns <= 0 || opt_size == 0 || opt_size > PAT_LEN || opt_duration <= 0) usage(argv[0]);
    if (opt_mode == M_STREAM && opt_window < opt_size) opt_window = opt_size;
    if (opt_trickle_min <= 0 || opt_trickle_max < opt_trickle_min) usage(argv[0]);
    const char *mode_name = opt_mode == M_PINGPONG ? "pingpong"
                            : opt_mode == M_STREAM ? "stream"
                            : opt_mode == M_CHURN  ? "churn"
                            : opt_mode == M_STUCK  ? "stuck"
                            : opt_mode == M_TRICKLE ? "trickle"
                                                   : "idle";
    /* stuck: conns[0] is the normal client, conns[1..--conns] the stuck peers */
    int stuck_peers = opt_conns;
    if (opt_mode == M_STUCK) {
        opt_conns++;
        sk_fit_tcp_mem(stuck_peers);
    }

    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, on_usr1);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)opt_conns + 16 > rl.rlim_cur)
        fprintf(stderr, "warning: RLIMIT_NOFILE=%lu is below conns+16\n", (unsigned long)rl.rlim_cur);

    /* pseudo-random pattern, stored twice so any window of <= PAT_LEN is contiguous */
    pat2 = malloc(2 * PAT_LEN);
    if (!pat2) die("malloc");
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (unsigned i = 0; i < PAT_LEN; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        pat2[i] = (unsigned char)(x >> 24);
    }
    memcpy(pat2 + PAT_LEN, pat2, PAT_LEN);

    conns = calloc((size_t)opt_conns, sizeof *conns);
    mismatch_flag = calloc((size_t)opt_conns, 1);
    if (!conns || !mismatch_flag) die("calloc");
    for (int i = 0; i < opt_conns; i++) {
        conns[i].id = i;
        conns[i].fd = -1;
        conns[i].state = S_INIT;
        conns[i].seed = (uint32_t)(((uint64_t)i * 2654435761u) % PAT_LEN);
        conns[i].last_bucket = -1;
        conns[i].rng = (uint32_t)i * 2654435761u + 0x9E3779B9u;
        if (conns[i].rng == 0) conns[i].rng = 1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)opt_port);
    if (inet_pton(AF_INET, opt_host, &sa.sin_addr) != 1) {
        fprintf(stderr, "bad --host %s (IPv4 literal expected)\n", opt_host);
        return 2;
    }

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    struct epoll_event evs[MAX_EVENTS];
    g_sa = sa;
    if (opt_mode == M_CHURN) {
        run_churn();
        return 0;
    }

    /* ---------------- phase 1: connect */
    uint64_t tc0 = now_ns();
    uint64_t tc_deadline = tc0 + (uint64_t)(opt_connect_timeout * 1e9);
    int next = 0, pending = 0;
    long fds0 = opt_server_pid > 0 ? server_fds() : -1;
    long accepted = 0;
    uint64_t t_fds = 0;
    while (next < opt_conns || pending > 0) {
        int limit = opt_conns;
        int gated = 0;
        if (fds0 >= 0 && next < opt_conns) {
            uint64_t t = now_ns();
            if (t - t_fds > 2000000ull) { /* read the server's fds at most every 2 ms */
                long f = server_fds();
                if (f >= 0) accepted = f - fds0;
                t_fds = t;
            }
            long allowed = accepted + opt_accept_window;
            if (allowed < limit) {
                limit = allowed < 0 ? 0 : (int)allowed;
                gated = 1;
            }
        }
        if (opt_connect_rate > 0) {
            double allowed = 1.0 + (double)(now_ns() - tc0) / 1e9 * opt_connect_rate;
            if (allowed < (double)limit) limit = (int)allowed;
        }
        while (next < limit && pending < opt_connect_conc) {
            if (start_connect(&conns[next], &sa) == 0)
                pending++;
            else
                n_connect_failed++;
            next++;
        }
        uint64_t t = now_ns();
        if (t >= tc_deadline) break;
        int n = epoll_wait(epfd, evs, MAX_EVENTS,
                           ((opt_connect_rate > 0 && next < opt_conns) || gated) ? 1 : 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->state == S_CONNECTING) {
                pending--;
                if (connect_done(c) == 0)
                    n_connected++;
                else
                    n_connect_failed++;
            } else {
                dispatch(&evs[i]);
            }
        }
    }
    for (int i = 0; i < opt_conns; i++) {
        if (conns[i].state == S_CONNECTING) {
            conn_close(&conns[i]);
            n_connect_timeout++;
        }
    }
    double connect_s = (double)(now_ns() - tc0) / 1e9;

    /* ---------------- phase 1b: warm-up (pingpong/stream): one round trip of
     * --size bytes on every connection, so that every connection has been
     * accepted and served once before the measurement window starts. */
    long warm_failed = 0;
    double warmup_s = 0;
    if (opt_mode == M_PINGPONG || opt_mode == M_STREAM || opt_mode == M_STUCK) {
        uint64_t tw0 = now_ns();
        uint64_t tw_deadline = tw0 + (uint64_t)(opt_warmup_timeout * 1e9);
        warming = 1;
        for (int i = 0; i < opt_conns; i++) {
            struct conn *c = &conns[i];
            if (c->state != S_OPEN) continue;
            if (opt_mode == M_STREAM) {
                st_warm_write(c);
            } else {
                pp_next_msg(c);
                pp_write(c);
            }
        }
        for (;;) {
            long left = 0;
            for (int i = 0; i < opt_conns; i++)
                if (conns[i].state == S_OPEN && !conns[i].warmed) left++;
            if (left == 0) break;
            uint64_t t = now_ns();
            if (t >= tw_deadline) {
                warm_failed = left;
                break;
            }
            int n = epoll_wait(epfd, evs, MAX_EVENTS, 100);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_wait");
            }
            for (int i = 0; i < n; i++) dispatch(&evs[i]);
        }
        warming = 0;
        warmup_s = (double)(now_ns() - tw0) / 1e9;
    }
    /* trickle: settle, reading what the server sends on its own */
    long settle_timed_out = 0;
    double settle_s = 0;
    if (opt_mode == M_TRICKLE) {
        uint64_t ts0 = now_ns();
        uint64_t ts_deadline = ts0 + (uint64_t)(opt_settle_timeout * 1e9);
        if (t_last_rx == 0) t_last_rx = ts0;
        for (;;) {
            uint64_t t = now_ns();
            int all = 1;
            for (int i = 0; opt_need_banner && all && i < opt_conns; i++)
                if (conns[i].state == S_OPEN && conns[i].rx == 0) all = 0;
            if (all && t - t_last_rx >= (uint64_t)opt_quiet_ms * 1000000ull) break;
            if (t >= ts_deadline) {
                settle_timed_out = 1;
                break;
            }
            int n = epoll_wait(epfd, evs, MAX_EVENTS, 20);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_wait");
            }
            for (int i = 0; i < n; i++) dispatch(&evs[i]);
        }
        settle_s = (double)(now_ns() - ts0) / 1e9;
    }
    uint64_t settle_bytes = rx_total_all;
    printf("READY mode=%s connected=%ld failed=%ld timeout=%ld connect_s=%.3f warmed=%ld "
           "warm_failed=%ld warmup_s=%.3f\n",
           mode_name, n_connected, n_connect_failed, n_connect_timeout, connect_s, n_warmed,
           warm_failed, warmup_s);
    fflush(stdout);

    /* ---------------- phase 2: measurement window */
    struct rusage ruw0, ruw1;
    getrusage(RUSAGE_SELF, &ruw0);
    t_start = now_ns();
    t_end = t_start + (uint64_t)(opt_duration * 1e9);
    running = 1;
    for (int i = 0; i < opt_conns; i++) conns[i].t_last = t_start;
    for (int i = 0; i < opt_conns; i++) {
        struct conn *c = &conns[i];
        if (c->state != S_OPEN) continue;
        if (opt_mode == M_STUCK) {
            continue; /* below, once the normal client's thread runs */
        } else if (opt_mode == M_PINGPONG) {
            if (!c->warmed) continue; /* warm-up echo still outstanding */
            pp_next_msg(c);
            pp_write(c);
        } else if (opt_mode == M_STREAM) {
            st_pump(c);
        } else if (opt_mode == M_TRICKLE) {
            c->t0 = t_start + (uint64_t)((double)tr_interval(c) * (double)c->rng / 4294967296.0);
        }
    }
    pthread_t normal_thread;
    int normal_started = 0;
    if (opt_mode == M_STUCK && conns[0].state == S_OPEN && conns[0].warmed) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, conns[0].fd, NULL);
        if (pthread_create(&normal_thread, NULL, normal_client, &conns[0]) != 0)
            die("pthread_create");
        normal_started = 1;
        for (int i = 1; i < opt_conns; i++)
            if (conns[i].state == S_OPEN) sk_push(&conns[i]);
    }
    for (;;) {
        uint64_t t = now_ns();
        if (t >= t_end || end_now) break;
        int to_ms = (int)((t_end - t + 999999) / 1000000);
        if (to_ms > (opt_mode == M_TRICKLE ? 10 : 100)) to_ms = opt_mode == M_TRICKLE ? 10 : 100;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, to_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) dispatch(&evs[i]);
        if (opt_mode == M_TRICKLE) tr_tick(now_ns());
    }
    uint64_t t_stop = now_ns();
    if (normal_started) {
        nc_stop = 1;
        pthread_join(normal_thread, NULL);
        struct conn *n0 = &conns[0];
        n_io_errors += nc_errors;
        n_early_eof += nc_early_eof;
        n_mismatches += nc_mismatches;
        if (nc_errors || nc_early_eof) {
            close(n0->fd);
            n0->fd = -1;
            n0->state = S_CLOSED;
        } else { /* back to the main loop for the drain */
            struct epoll_event e = {.events = EPOLLIN, .data.ptr = n0};
            if (epoll_ctl(epfd, EPOLL_CTL_ADD, n0->fd, &e) < 0) die("epoll_ctl ADD");
            n0->events = EPOLLIN;
        }
    }
    running = 0;
    getrusage(RUSAGE_SELF, &ruw1);
    double cpu_w = (double)(ruw1.ru_utime.tv_sec - ruw0.ru_utime.tv_sec) +
                   (double)(ruw1.ru_utime.tv_usec - ruw0.ru_utime.tv_usec) / 1e6 +
                   (double)(ruw1.ru_stime.tv_sec - ruw0.ru_stime.tv_sec) +
                   (double)(ruw1.ru_stime.tv_usec - ruw0.ru_stime.tv_usec) / 1e6;
    double run_s = (double)(t_stop - t_start) / 1e9;
    uint64_t gap_max_ns = 0;
    long starved_1s =
        opt_mode == M_PINGPONG || opt_mode == M_STREAM ? fair_seconds(t_stop, &gap_max_ns) : 0;
    uint64_t rtts_run = rtts, rx_run_snap = rx_run, tx_run_snap = tx_run;

    /* stuck: the normal client's longest stall; then close the stuck peers at once */
    long sk_blocked = 0, sk_capped = 0, sk_pushing = 0, sk_open = 0, normal_open = 0;
    uint64_t sk_min = UINT64_MAX, sk_max = 0, stall_ns = 0;
    long tcp_kib = -1;
    if (opt_mode == M_STUCK) {
        struct conn *n0 = &conns[0];
        stall_ns = n0->gap_max;
        if (t_stop > n0->t_last && t_stop - n0->t_last > stall_ns) stall_ns = t_stop - n0->t_last;
        normal_open = n0->state == S_OPEN;
        tcp_kib = tcp_mem_kib();
        for (int i = 1; i < opt_conns; i++) {
            struct conn *c = &conns[i];
            if (c->t_connected) {
                if (c->tx < sk_min) sk_min = c->tx;
                if (c->tx > sk_max) sk_max = c->tx;
            }
            if (c->state != S_OPEN) continue;
            sk_open++;
            if (c->sk_state == SK_BLOCKED) sk_blocked++;
            else if (c->sk_state == SK_CAPPED) sk_capped++;
            else sk_pushing++;
            conn_close(c);
        }
        if (sk_min == UINT64_MAX) sk_min = 0;
    }
    /* trickle: no drain, close everything at once */
    long trickle_open = 0;
    if (opt_mode == M_TRICKLE) {
        for (int i = 0; i < opt_conns; i++) {
            if (conns[i].state != S_OPEN) continue;
            trickle_open++;
            conn_close(&conns[i]);
        }
    }

    /* ---------------- phase 3: drain + clean close check */
    draining = 1;
    long open_at_end = 0;
    for (int i = 0; i < opt_conns; i++) {
        struct conn *c = &conns[i];
        if (c->state != S_OPEN) continue;
        open_at_end++;
        shutdown(c->fd, SHUT_WR);
        c->state = S_SHUT;
        set_events(c, EPOLLIN);
    }
    uint64_t td_deadline = now_ns() + (uint64_t)(opt_drain_timeout * 1e9);
    long remaining = open_at_end;
    while (remaining > 0) {
        uint64_t t = now_ns();
        if (t >= td_deadline) break;
        int to_ms = (int)((td_deadline - t + 999999) / 1000000);
        if (to_ms > 100) to_ms = 100;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, to_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) dispatch(&evs[i]);
        remaining = 0;
        for (int i = 0; i < opt_conns; i++)
            if (conns[i].state == S_SHUT) remaining++;
    }
    for (int i = 0; i < opt_conns; i++) {
        if (conns[i].state == S_SHUT) {
            n_eof_missing++;
            conn_close(&conns[i]);
        }
    }
    getrusage(RUSAGE_SELF, &ru1);
    double cpu_s = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                   (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                   (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                   (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;

    long errors = n_connect_failed + n_connect_timeout + n_io_errors + n_early_eof;
    uint64_t f_min = 0, f_med = 0, f_max = 0;
    long f_starved = 0;
    if (opt_mode == M_PINGPONG || opt_mode == M_STREAM) fairness(&f_min, &f_med, &f_max, &f_starved);
    if (opt_mode == M_PINGPONG) {
        qsort(lat, lat_n, sizeof *lat, cmp_u32);
        printf("RESULT mode=pingpong conns=%d size=%zu duration_s=%.3f connected=%ld rtts=%llu "
               "rps=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f mean_us=%.1f "
               "errors=%ld connect_failed=%ld connect_timeout=%ld io_errors=%ld early_eof=%ld "
               "mismatches=%ld extra_bytes=%llu lost_bytes=%llu eof_ok=%ld eof_missing=%ld "
               "connect_s=%.3f warmup_s=%.3f warm_failed=%ld client_cpu_s=%.2f "
               "conn_rtts_min=%llu conn_rtts_median=%llu conn_rtts_max=%llu conns_starved=%ld "
               "conns_starved_1s=%ld conn_gap_max_us=%.1f client_cpu_window_s=%.2f "
               "client_cpu_pct=%.1f\n",
               opt_conns, opt_size, run_s, n_connected, (unsigned long long)rtts_run,
               (double)rtts_run / run_s, pct_us(50), pct_us(90), pct_us(99), pct_us(99.9),
               lat_max_ns / 1000.0, lat_n ? (double)lat_sum_ns / (double)lat_n / 1000.0 : 0.0,
               errors, n_connect_failed, n_connect_timeout, n_io_errors, n_early_eof,
               n_mismatches, (unsigned long long)extra_bytes, (unsigned long long)lost_bytes,
               n_eof_ok, n_eof_missing, connect_s, warmup_s, warm_failed, cpu_s,
               (unsigned long long)f_min, (unsigned long long)f_med, (unsigned long long)f_max,
               f_starved, starved_1s, gap_max_ns / 1000.0, cpu_w, cpu_w / run_s * 100.0);
    } else if (opt_mode == M_STREAM) {
        printf("RESULT mode=stream conns=%d size=%zu window=%zu duration_s=%.3f connected=%ld "
               "echoed_MBps=%.1f sent_MBps=%.1f echoed_bytes=%llu "
               "errors=%ld connect_failed=%ld connect_timeout=%ld io_errors=%ld early_eof=%ld "
               "mismatches=%ld mismatch_conns=%ld extra_bytes=%llu lost_bytes=%llu eof_ok=%ld "
               "eof_missing=%ld connect_s=%.3f warmup_s=%.3f warm_failed=%ld client_cpu_s=%.2f "
               "conn_MB_min=%.1f conn_MB_median=%.1f conn_MB_max=%.1f conns_starved=%ld "
               "conns_starved_1s=%ld conn_gap_max_us=%.1f client_cpu_window_s=%.2f "
               "client_cpu_pct=%.1f\n",
               opt_conns, opt_size, opt_window, run_s, n_connected, (double)rx_run_snap / run_s / 1e6,
               (double)tx_run_snap / run_s / 1e6, (unsigned long long)rx_run_snap, errors,
               n_connect_failed, n_connect_timeout, n_io_errors, n_early_eof, n_mismatches,
               n_mismatch_conns, (unsigned long long)extra_bytes, (unsigned long long)lost_bytes,
               n_eof_ok, n_eof_missing, connect_s, warmup_s, warm_failed, cpu_s, f_min / 1e6,
               f_med / 1e6, f_max / 1e6, f_starved, starved_1s, gap_max_ns / 1000.0, cpu_w,
               cpu_w / run_s * 100.0);
    } else if (opt_mode == M_STUCK) {
        qsort(lat, lat_n, sizeof *lat, cmp_u32);
        printf("RESULT mode=stuck conns=%d size=%zu stuck_bytes=%zu duration_s=%.3f connected=%ld "
               "rtts=%llu rps=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f max_stall_us=%.1f "
               "normal_open_at_end=%ld stuck_open_at_end=%ld stuck_blocked=%ld stuck_capped=%ld "
               "stuck_pushing=%ld stuck_closed_by_server=%ld stuck_pushed_bytes=%llu "
               "stuck_kib_min=%.1f stuck_kib_max=%.1f stuck_last_write_s=%.3f tcp_mem_kib=%ld "
               "errors=%ld connect_failed=%ld connect_timeout=%ld io_errors=%ld early_eof=%ld "
               "mismatches=%ld extra_bytes=%llu lost_bytes=%llu eof_ok=%ld eof_missing=%ld "
               "connect_s=%.3f warmup_s=%.3f warm_failed=%ld client_cpu_window_s=%.2f "
               "client_cpu_pct=%.1f\n",
               stuck_peers, opt_size, opt_stuck_bytes, run_s, n_connected,
               (unsigned long long)rtts_run, (double)rtts_run / run_s, pct_us(50), pct_us(99),
               lat_max_ns / 1000.0, stall_ns / 1000.0, normal_open, sk_open, sk_blocked, sk_capped,
               sk_pushing, stuck_closed, (unsigned long long)tx_run_snap, sk_min / 1024.0,
               sk_max / 1024.0,
               stuck_last_write_ns ? (double)(stuck_last_write_ns - t_start) / 1e9 : 0.0, tcp_kib,
               errors, n_connect_failed, n_connect_timeout, n_io_errors, n_early_eof, n_mismatches,
               (unsigned long long)extra_bytes, (unsigned long long)lost_bytes, n_eof_ok,
               n_eof_missing, connect_s, warmup_s, warm_failed, cpu_w, cpu_w / run_s * 100.0);
    } else if (opt_mode == M_TRICKLE) {
        printf("RESULT mode=trickle conns=%d duration_s=%.3f connected=%ld connect_failed=%ld "
               "connect_timeout=%ld connect_s=%.3f settle_s=%.3f settle_timed_out=%ld "
               "settle_bytes=%llu sent_bytes=%llu send_blocked=%llu received_bytes=%llu "
               "closed_by_server=%ld reset_by_server=%ld still_open_at_end=%ld io_errors=%ld "
               "errors=%ld client_cpu_window_s=%.2f client_cpu_pct=%.1f\n",
               opt_conns, run_s, n_connected, n_connect_failed, n_connect_timeout, connect_s,
               settle_s, settle_timed_out, (unsigned long long)settle_bytes,
               (unsigned long long)trickle_sent, (unsigned long long)trickle_blocked,
               (unsigned long long)rx_total_all, n_closed_by_server, n_reset_by_server,
               trickle_open, n_io_errors, errors, cpu_w, cpu_w / run_s * 100.0);
    } else {
        for (int s = 0; s < 3600; s++)
            if (close_hist[s]) printf("CLOSE_HIST second=%d closes=%ld\n", s, close_hist[s]);
        printf("RESULT mode=idle conns=%d duration_s=%.3f connected=%ld connect_failed=%ld "
               "connect_timeout=%ld connect_s=%.3f closed_by_server=%ld reset_by_server=%ld "
               "first_close_s=%.3f last_close_s=%.3f still_open_at_end=%ld unexpected_bytes=%llu "
               "eof_ok=%ld eof_missing=%ld errors=%ld client_cpu_s=%.2f close_age_min_s=%.3f "
               "close_age_max_s=%.3f client_cpu_window_s=%.2f client_cpu_pct=%.1f\n",
               opt_conns, run_s, n_connected, n_connect_failed, n_connect_timeout, connect_s,
               n_closed_by_server, n_reset_by_server, first_close_s, last_close_s, open_at_end,
               (unsigned long long)unexpected_bytes, n_eof_ok, n_eof_missing,
               n_connect_failed + n_connect_timeout + n_io_errors, cpu_s, close_age_min_s,
               close_age_max_s, cpu_w, cpu_w / run_s * 100.0);
    }
    fflush(stdout);
    return 0;
}
