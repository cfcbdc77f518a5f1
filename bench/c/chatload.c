/*
 * Copied from the echochat team's shared measuring tools (tools/chatload.c), so that
 * `deno task bench` is self-contained. Extended for the benchmark: see "bench additions" below.
 */
/*
 * chatload.c -- single-threaded epoll load generator for line-based TCP chat
 * servers (one user's line is relayed to every other user).
 *
 * Build: gcc -O2 -Wall -o chatload chatload.c
 *
 * Phases
 *   1. connect --conns clients (at most --connect-concurrency connects in
 *      progress, at most --connect-rate new connects per second if given).
 *      With --need-banner a connect stays "in progress" until the client has
 *      received its first byte from the server, so a server with a short
 *      listen backlog (ncat: 10) is never sent more connects than it has
 *      accepted plus the concurrency (a SYN or final ACK dropped on a full
 *      accept queue otherwise costs 1 s, 3 s, 7 s ... of retransmission, and
 *      with SYN cookies the client may believe it is connected while the
 *      server never heard of it).
 *      Each client sends the --setup line (if any) as soon as it is connected.
 *   2. settle: read (and count) whatever the server sends on its own -- a
 *      banner, join announcements -- until nothing has arrived for --quiet-ms
 *      (and, with --need-banner, until every client has received at least one
 *      byte), or --settle-timeout passes.  Then prints "READY ...".
 *   3. window of --duration s: the first --senders clients send lines.
 *        --rate R > 0  paced: each sender sends R lines/s; all senders share
 *                      one evenly spaced schedule (total S*R lines/s).  A line
 *                      is stamped when it is generated; if the socket is full
 *                      it waits in the client's queue (the wait is part of
 *                      its latency, so there is no coordinated omission).
 *                      How far generation lagged the schedule is reported
 *                      as pace_late_max_us.
 *        --rate 0      unpaced: every sender writes as fast as its socket
 *                      takes it, --batch lines per write(); with --window W
 *                      a sender stops while more than W of its lines are,
 *                      on average over the receivers, not yet delivered.
 *   4. drain: no new lines; wait up to --drain-timeout s until every expected
 *      delivery has arrived and then nothing more for --linger-ms, then report.
 *
 * Line format (exactly --size bytes including the newline, when --size is
 * large enough for the header):
 *      m <sender> <seq> <t_us> <padding>\n
 *   sender = client index (0..conns-1), seq = 0,1,2,... per sender,
 *   t_us = send time in microseconds of CLOCK_MONOTONIC since chatload
 *   started, padding = lowercase letters a..z starting at letter seq%26.
 *
 * Every client reads everything it receives and splits it into lines.  In
 * each line the payload marker "m <digit>" is searched anywhere (at the start
 * or after a non-alphanumeric character), so a prefix the server adds, such
 * as "<user5> " or "[lobby] <u5> ", is tolerated.  A trailing '\r' is ignored.
 *   - marker found, header parses, padding and length exact  -> delivered
 *   - marker found, header parses, padding or length wrong   -> delivered and
 *     counted in "corrupt" as well (the server mangled the line)
 *   - marker found but header does not parse                 -> "malformed"
 *   - sender id unknown (not one of our senders), or a seq
 *     the sender has not sent                                 -> "foreign"
 *   - sender id == the receiving client itself                -> "self"
 *     (self-deliveries are not counted as delivered)
 *   - no marker: "banner" lines before the window, "other" lines after.
 * Only the first marker of a line is parsed: if the server splices two
 * users' lines into one (ncat --chat does, when a read ends mid-line), the
 * first counts as corrupt and the second as lost, and the stray rest of the
 * first comes as an "other" line.  --show-bad N prints the first N
 * unexpected lines (corrupt, malformed, foreign, other in or after the
 * window) to stderr.
 * Per (receiver, sender) pair the next expected seq (highest seen + 1) and a
 * 64-bit map of which of the 64 seqs below it arrived are kept:
 *   - seq >= next: in order; seqs jumped over are added to "gaps"
 *   - seq <  next, already seen: "dups" (not counted as delivered)
 *   - seq <  next, not seen yet: "reordered" (a late line; it is delivered).
 *     More than 64 below next it cannot be told from a duplicate: it counts
 *     as reordered and delivered, and in "dups_old".
 * "delivered" counts distinct lines, so per pair lost = sent - delivered and
 * delivered + lost = expected = sent * (clients open at the window start - 1).
 *
 * Latency = receive time - embedded send time (same process, same clock),
 * kept in a log-linear histogram (exact below 2048 us, < 0.1 % error above).
 * The receive time is read once per read() call (right after it returns) and
 * applies to every line completed by that read: clock_gettime costs ~40 ns
 * here, which per line would be a large part of the receive path.
 *
 * Last line, machine readable:
 *   RESULT mode=chat conns=.. senders=.. rate=.. sent=.. delivered=.. expected=..
 *          lost=.. reordered=.. dps=.. p50_us=.. p99_us=.. max_us=..
 *          client_cpu_s=.. [more key=value pairs]
 * dps = deliveries received inside the window / window seconds;
 * client_cpu_s = this process's user+system CPU inside the window.
 * --server-pid PID adds the server's CPU inside the window (utime+stime from
 * /proc/PID/stat at the window's start and end): server_cpu_s/_pct.
 * --progress prints "TICK t=.. sent=.. delivered=.." every second.
 *
 * Bench additions (not in the shared tools):
 *   --port2 P2  a second server of the same chat (e.g. echochat linked to
 *      another through Redis). The senders stay on --port; the receivers
 *      (clients --senders .. --conns-1) alternate: the 1st, 3rd, 5th ... on
 *      --port, the 2nd, 4th ... on --port2. Everything is verified as
 *      before, in one process with one clock, so a line that crossed to the
 *      other server is checked for loss, order and bytes like any other.
 *      RESULT then also has, per port (port1 = --port, port2 = --port2):
 *      conns_portN (clients open at the window start), delivered_portN,
 *      dps_portN, lost_portN, p50_us_portN, p99_us_portN, max_us_portN.
 *
 * Example (ncat --chat on port 17302, server on CPU 0, load on CPU 1):
 *   taskset -c 0 ncat -l 127.0.0.1 17302 --chat -m 2000 </dev/null & SPID=$!
 *   taskset -c 1 chatload --port 17302 --conns 100 --senders 10 --rate 100 \
 *       --size 64 --duration 10 --need-banner --connect-concurrency 8 --server-pid $SPID
 *   kill $SPID
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { S_INIT, S_CONNECTING, S_OPEN, S_CLOSED };
enum { PH_CONNECT, PH_SETTLE, PH_WINDOW, PH_DRAIN };

#define RBUF_LEN (64 * 1024)
#define MAX_EVENTS 1024
#define MAX_SIZE 65536
#define HSUB 1024 /* histogram sub-buckets per power of two */
#define HBUCKETS (2 * HSUB + 54 * HSUB)

struct conn {
    int fd;
    int id;
    int state;
    unsigned events;
    int slot;      /* sender slot 0..S-1, or -1 for a pure receiver */
    int port_idx;  /* bench addition: 0 = connected to --port, 1 = to --port2 */
    int in_window; /* open when the window started */
    /* receive side */
    char *part; /* partial line carried over between reads */
    uint32_t plen;
    uint8_t pskip; /* discarding the rest of an over-long line */
    uint8_t got_any;
    uint8_t gate; /* --need-banner: counts as a connect in progress until the first byte */
    uint64_t rx_bytes;
    /* send side */
    char *obuf;
    size_t ooff, olen, ocap;
    uint64_t seq;   /* lines generated (= sent) by this sender */
    uint64_t deliv; /* deliveries of this sender's lines to other clients */
    int wblocked;   /* unpaced + window: waiting for deliveries */
};

/* options */
static const char *opt_host = "127.0.0.1";
static int opt_port = 7000;
static int opt_port2 = 0; /* bench addition: receivers alternate between --port and this; 0 = off */
static int opt_conns = 100;
static int opt_senders = 10;
static double opt_rate = 100; /* lines/s per sender; 0 = unpaced */
static size_t opt_size = 64;
static double opt_duration = 10.0;
static char *opt_setup; /* decoded template, NULL = none */
static double opt_connect_rate = 0;
static int opt_connect_conc = 256;
static double opt_connect_timeout = 60.0;
static double opt_quiet_ms = 500;
static double opt_settle_timeout = 120.0;
static int opt_need_banner = 0;
static double opt_drain_timeout = 3.0;
static double opt_linger_ms = 200;
static uint64_t opt_window = 0; /* lines, unpaced only; 0 = unlimited */
static int opt_batch = 16;      /* lines per write() when unpaced */
static size_t opt_max_line = 8192;
static size_t opt_max_queue = 4u << 20; /* per sender, bytes */
static int opt_server_pid = 0;
static int opt_progress = 0;
static int opt_nodelay = 1;
static int opt_show_bad = 0; /* print up to N unexpected lines to stderr */

/* state */
static int epfd;
static struct conn *conns;
static int phase = PH_CONNECT;
static char rbuf[RBUF_LEN];
static char *padpat; /* "abc...zabc..." long enough for any padding */
static uint64_t t_base;
static uint64_t last_rx_ns;
static uint64_t rx_now_us; /* receive time of the chunk being parsed (one clock read per read()) */
static long n_window_conns; /* clients open at the window start */
static int conn_pending;    /* connects in progress (see --connect-concurrency) */

/* per (receiver, sender slot) */
struct pair {
    uint32_t next; /* next expected seq (highest seen + 1) */
    uint32_t got;  /* distinct seqs received */
    uint64_t seen; /* bit i: seq next-1-i was received (duplicate detection) */
};
static struct pair *pairs;

/* counters */
static long n_connected, n_connect_failed, n_connect_timeout, n_io_errors;
static long n_closed_early; /* closed by the server after connecting */
static uint64_t sent_lines, send_dropped, writes;
static uint64_t delivered, delivered_in_window, corrupt, malformed, foreign, self_deliv;
static uint64_t reordered, gaps, dups, dups_old;
static uint64_t banner_lines, banner_bytes, other_lines, long_lines;
static uint64_t rx_bytes_total;
static uint64_t window_rx_bytes;
static uint64_t pace_late_max_ns; /* paced: how far behind schedule a line was generated */

/* latency histogram (us) */
static uint64_t hist[HBUCKETS];
static uint64_t lat_n, lat_max, lat_sum;

/* bench addition: the same histogram per port of the receiver (--port2) */
struct port_stats {
    uint64_t hist[HBUCKETS];
    uint64_t n, max;
    uint64_t delivered_in_window;
};
static struct port_stats port_stats[2];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *m) {
    perror(m);
    exit(1);
}

/* ------------------------------------------------------------ histogram */

static unsigned hidx(uint64_t v) {
    if (v < 2 * HSUB) return (unsigned)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 10; /* v >> shift is in [1024, 2047] */
    unsigned i = 2 * HSUB + (unsigned)(shift - 1) * HSUB + (unsigned)((v >> shift) - HSUB);
    return i < HBUCKETS ? i : HBUCKETS - 1;
}

static double hval(unsigned i) {
    if (i < 2 * HSUB) return (double)i;
    unsigned shift = (i - 2 * HSUB) / HSUB + 1;
    uint64_t m = (i - 2 * HSUB) % HSUB + HSUB;
    return (double)(m << shift) + (double)(1ull << shift) / 2.0;
}

static void lat_add(uint64_t us) {
    hist[hidx(us)]++;
    lat_n++;
    lat_sum += us;
    if (us > lat_max) lat_max = us;
}

static double port_pct(const struct port_stats *ps, double p) {
    if (ps->n == 0) return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)ps->n + 0.999999);
    if (want < 1) want = 1;
    if (want > ps->n) want = ps->n;
    uint64_t cum = 0;
    for (unsigned i = 0; i < HBUCKETS; i++) {
        cum += ps->hist[i];
        if (cum >= want) {
            double v = hval(i);
            return v > (double)ps->max ? (double)ps->max : v;
        }
    }
    return (double)ps->max;
}

static double lat_pct(double p) {
    if (lat_n == 0) return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)lat_n + 0.999999);
    if (want < 1) want = 1;
    if (want > lat_n) want = lat_n;
    uint64_t cum = 0;
    for (unsigned i = 0; i < HBUCKETS; i++) {
        cum += hist[i];
        if (cum >= want) {
            double v = hval(i);
            return v > (double)lat_max ? (double)lat_max : v;
        }
    }
    return (double)lat_max;
}

/* ------------------------------------------------------------ helpers */

static char *u64toa(char *p, uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* strict: one or more digits, then a single space */
static int parse_num(const char **pp, const char *end, uint64_t *out) {
    const char *p = *pp;
    uint64_t v = 0;
    int n = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (++n > 19) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    if (n == 0 || p >= end || *p != ' ') return -1;
    *pp = p + 1;
    *out = v;
    return 0;
}

static void set_events(struct conn *c, unsigned ev) {
    if (c->events == ev || c->state == S_CLOSED) return;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) < 0) die("epoll_ctl MOD");
    c->events = ev;
}

static void conn_close(struct conn *c) {
    if (c->state == S_CLOSED) return;
    if (c->gate) {
        c->gate = 0;
        conn_pending--;
    }
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = S_CLOSED;
}

static uint64_t cpu_ns_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_utime.tv_sec * 1000000000ull + (uint64_t)ru.ru_utime.tv_usec * 1000ull +
           (uint64_t)ru.ru_stime.tv_sec * 1000000000ull + (uint64_t)ru.ru_stime.tv_usec * 1000ull;
}

/* utime + stime of another process in clock ticks, -1 if unreadable */
static long long proc_ticks(int pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    /* after ") ": field 3 is state; utime is field 14, stime field 15 */
    unsigned long long ut = 0, st = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

/* decode \n \r \t \\ escapes of a --setup template */
static char *decode_escapes(const char *s) {
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out) die("malloc");
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            switch (*s) {
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            case '\\': *o++ = '\\'; break;
            default: *o++ = '\\'; *o++ = *s; break;
            }
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
    return out;
}

/* ------------------------------------------------------------ sending */

static int flush_out(struct conn *c) {
    while (c->ooff < c->olen) {
        ssize_t w = write(c->fd, c->obuf + c->ooff, c->olen - c->ooff);
        if (w > 0) {
            writes++;
            c->ooff += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 1; /* blocked */
        } else {
            n_io_errors++;
            conn_close(c);
            return -1;
        }
    }
    c->ooff = c->olen = 0;
    return 0;
}

static void obuf_reserve(struct conn *c, size_t more) {
    if (c->ooff > 0 && c->ooff == c->olen) c->ooff = c->olen = 0;
    if (c->olen + more <= c->ocap) return;
    if (c->ooff > 0) { /* compact */
        memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
        c->olen -= c->ooff;
        c->ooff = 0;
        if (c->olen + more <= c->ocap) return;
    }
    size_t cap = c->ocap ? c->ocap : 4096;
    while (cap < c->olen + more) cap *= 2;
    c->obuf = realloc(c->obuf, cap);
    if (!c->obuf) die("realloc");
    c->ocap = cap;
}

static size_t fmt_line(char *dst, int sender, uint64_t seq, uint64_t t_us) {
    char *p = dst;
    *p++ = 'm';
    *p++ = ' ';
    p = u64toa(p, (uint64_t)sender);
    *p++ = ' ';
    p = u64toa(p, seq);
    *p++ = ' ';
    p = u64toa(p, t_us);
    *p++ = ' ';
    size_t hl = (size_t)(p - dst);
    size_t pad = opt_size > hl + 1 ? opt_size - hl - 1 : 0;
    memcpy(p, padpat + seq % 26, pad);
    p += pad;
    *p++ = '\n';
    return (size_t)(p - dst);
}

/* longest line fmt_line can produce: --size, or the header alone when --size
 * is too small for it ("m " + 3 numbers of up to 20 digits + 3 spaces + "\n") */
#define LINE_MAX_BYTES (opt_size + 72)

/* append one new line of sender c to its queue (paced mode) and try to send */
static void paced_line(struct conn *c, uint64_t t) {
    if (c->state != S_OPEN) {
        send_dropped++;
        return;
    }
    if (c->olen - c->ooff > opt_max_queue) {
        send_dropped++;
        return;
    }
    int was_empty = c->olen == c->ooff;
    obuf_reserve(c, LINE_MAX_BYTES);
    c->olen += fmt_line(c->obuf + c->olen, c->id, c->seq, (t - t_base) / 1000);
    c->seq++;
    sent_lines++;
    if (!was_empty) return; /* EPOLLOUT is already armed */
    int r = flush_out(c);
    if (r == 1) set_events(c, EPOLLIN | EPOLLOUT);
}

static int window_full(struct conn *c) {
    if (opt_window == 0 || n_window_conns < 2) return 0;
    uint64_t nrecv = (uint64_t)(n_window_conns - 1);
    /* lines not yet delivered, averaged over the receivers (duplicates from
     * the server can make deliv exceed seq * nrecv) */
    if (c->deliv >= c->seq * nrecv) return 0;
    return c->seq * nrecv - c->deliv >= opt_window * nrecv;
}

/* unpaced: write as fast as the socket takes it */
static void pump(struct conn *c) {
    for (int round = 0; round < 8; round++) {
        if (c->state != S_OPEN) return;
        if (c->olen > c->ooff) {
            int r = flush_out(c);
            if (r < 0) return;
            if (r == 1) {
                set_events(c, EPOLLIN | EPOLLOUT);
                return;
            }
        }
        if (phase != PH_WINDOW) break;
        if (window_full(c)) {
            c->wblocked = 1;
            set_events(c, EPOLLIN);
            return;
        }
        uint64_t t_us = (now_ns() - t_base) / 1000;
        obuf_reserve(c, (size_t)opt_batch * LINE_MAX_BYTES);
        for (int i = 0; i < opt_batch; i++) {
            c->olen += fmt_line(c->obuf + c->olen, c->id, c->seq, t_us);
            c->seq++;
            sent_lines++;
            if (window_full(c)) break;
        }
    }
    /* queue empty (or 8 rounds done): stay writable while the window runs */
    if (c->state == S_OPEN)
        set_events(c, (phase == PH_WINDOW || c->olen > c->ooff) ? (EPOLLIN | EPOLLOUT) : EPOLLIN);
}

/* ------------------------------------------------------------ receiving */

static const char *find_marker(const char *s, size_t n) {
    const char *p = s, *end = s + n;
    while (p + 2 < end) {
        const char *m = memchr(p, 'm', (size_t)(end - p - 2));
        if (!m) return NULL;
        if (m[1] == ' ' && m[2] >= '0' && m[2] <= '9' &&
            (m == s || !isalnum((unsigned char)m[-1])))
            return m;
        p = m + 1;
    }
    return NULL;
}

static void show_bad(const char *what, const struct conn *c, const char *line, size_t len) {
    static int shown;
    if (shown >= opt_show_bad) return;
    shown++;
    fprintf(stderr, "BAD %s conn=%d len=%zu: ", what, c->id, len);
    for (size_t i = 0; i < len && i < 400; i++) {
        unsigned char ch = (unsigned char)line[i];
        if (ch >= 32 && ch < 127 && ch != '\\')
            fputc(ch, stderr);
        else
            fprintf(stderr, "\\x%02x", ch);
    }
    fputc('\n', stderr);
}

static void handle_line(struct conn *c, const char *line, size_t len) {
    if (len && line[len - 1] == '\r') len--;
    const char *m = find_marker(line, len);
    if (!m) {
        if (phase < PH_WINDOW) {
            banner_lines++;
        } else {
            other_lines++;
            show_bad("other", c, line, len);
        }
        return;
    }
    const char *p = m + 2, *end = line + len;
    uint64_t sender, seq, t_us;
    if (parse_num(&p, end, &sender) || parse_num(&p, end, &seq) || parse_num(&p, end, &t_us)) {
        malformed++;
        show_bad("malformed", c, line, len);
        return;
    }
    if (sender >= (uint64_t)opt_conns || conns[sender].slot < 0) {
        foreign++;
        show_bad("foreign", c, line, len);
        return;
    }
    if ((int)sender == c->id) {
        self_deliv++;
        return;
    }
    struct conn *s = &conns[sender];
    if (seq >= s->seq) { /* a line this sender has not sent (yet) */
        foreign++;
        show_bad("foreign", c, line, len);
        return;
    }
    struct pair *pr = &pairs[(size_t)c->id * (size_t)opt_senders + (size_t)s->slot];
    if (seq >= pr->next) {
        uint64_t skip = seq - pr->next; /* seqs jumped over: missing so far */
        gaps += skip;
        pr->seen = skip + 1 >= 64 ? 1 : (pr->seen << (skip + 1)) | 1;
        pr->next = (uint32_t)(seq + 1);
    } else {
        uint64_t i = pr->next - 1 - seq;
        if (i < 64 && (pr->seen >> i) & 1) {
            dups++; /* this (receiver, sender, seq) arrived before */
            return;
        }
        if (i < 64)
            pr->seen |= 1ull << i;
        else
            dups_old++; /* too far back to tell a late line from a duplicate */
        reordered++;
    }
    pr->got++;
    size_t hl = (size_t)(p - m);
    size_t pad = opt_size > hl + 1 ? opt_size - hl - 1 : 0;
    size_t have = (size_t)(end - p);
    if (have != pad || memcmp(p, padpat + seq % 26, pad) != 0) {
        corrupt++;
        show_bad("corrupt", c, line, len);
    }

    uint64_t lat_us = rx_now_us >= t_us ? rx_now_us - t_us : 0;
    lat_add(lat_us);
    struct port_stats *ps = &port_stats[c->port_idx];
    ps->hist[hidx(lat_us)]++;
    ps->n++;
    if (lat_us > ps->max) ps->max = lat_us;
    delivered++;
    if (phase == PH_WINDOW) {
        delivered_in_window++;
        ps->delivered_in_window++;
    }
    s->deliv++;
    if (s->wblocked && !window_full(s)) {
        s->wblocked = 0;
        set_events(s, EPOLLIN | EPOLLOUT);
    }
}

static void overlong_line(void) {
    long_lines++;
    if (phase < PH_WINDOW)
        banner_lines++;
    else
        other_lines++;
}

static void on_data(struct conn *c, const char *p, size_t n) {
    if (c->plen > 0 || c->pskip) {
        const char *nl = memchr(p, '\n', n);
        if (!nl) {
            if (!c->pskip) {
                if (c->plen + n > opt_max_line) {
                    c->pskip = 1;
                    c->plen = 0;
                } else {
                    memcpy(c->part + c->plen, p, n);
                    c->plen += (uint32_t)n;
                }
            }
            return;
        }
        size_t k = (size_t)(nl - p);
        if (c->pskip) {
            overlong_line();
        } else if (c->plen + k > opt_max_line) {
            overlong_line();
        } else {
            memcpy(c->part + c->plen, p, k);
            handle_line(c, c->part, c->plen + k);
        }
        c->plen = 0;
        c->pskip = 0;
        p += k + 1;
        n -= k + 1;
    }
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        if (!nl) {
            if (n > opt_max_line) {
                c->pskip = 1;
            } else {
                if (!c->part) {
                    c->part = malloc(opt_max_line);
                    if (!c->part) die("malloc");
                }
                memcpy(c->part, p, n);
                c->plen = (uint32_t)n;
            }
            return;
        }
        size_t k = (size_t)(nl - p);
        if (k > opt_max_line)
            overlong_line();
        else
            handle_line(c, p, k);
        p += k + 1;
        n -= k + 1;
    }
}

static void on_readable(struct conn *c) {
    for (int i = 0; i < 4; i++) {
        ssize_t n = read(c->fd, rbuf, sizeof rbuf);
        if (n > 0) {
            c->got_any = 1;
            if (c->gate) {
                c->gate = 0;
                conn_pending--;
            }
            c->rx_bytes += (uint64_t)n;
            rx_bytes_total += (uint64_t)n;
            if (phase < PH_WINDOW)
                banner_bytes += (uint64_t)n;
            else if (phase == PH_WINDOW)
                window_rx_bytes += (uint64_t)n;
            last_rx_ns = now_ns();
            rx_now_us = (last_rx_ns - t_base) / 1000;
            on_data(c, rbuf, (size_t)n);
            if ((size_t)n < sizeof rbuf) return;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0 && errno == EINTR) continue;
        /* EOF or error */
        if (n == 0)
            n_closed_early++;
        else
            n_io_errors++;
        conn_close(c);
        return;
    }
}

static void on_writable(struct conn *c) {
    if (c->slot >= 0 && opt_rate == 0 && phase == PH_WINDOW) {
        pump(c);
        return;
    }
    int r = flush_out(c);
    if (r == 0) set_events(c, EPOLLIN);
}

/* ------------------------------------------------------------ connecting */

static void send_setup(struct conn *c) {
    if (!opt_setup) return;
    obuf_reserve(c, strlen(opt_setup) * 4 + 64);
    for (const char *s = opt_setup; *s; s++) {
        if (s[0] == '%' && s[1] == 'd') {
            c->olen = (size_t)(u64toa(c->obuf + c->olen, (uint64_t)c->id) - c->obuf);
            s++;
        } else if (s[0] == '%' && s[1] == '%') {
            c->obuf[c->olen++] = '%';
            s++;
        } else {
            c->obuf[c->olen++] = *s;
        }
    }
    if (flush_out(c) == 1) set_events(c, EPOLLIN | EPOLLOUT);
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
    set_events(c, EPOLLIN);
    send_setup(c);
    return 0;
}

static void dispatch(struct epoll_event *ev) {
    struct conn *c = ev->data.ptr;
    if (c->state != S_OPEN) return;
    unsigned e = ev->events;
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        on_readable(c);
        if (c->state != S_OPEN) return;
    }
    if (e & EPOLLOUT) on_writable(c);
}

/* wait for events until the absolute deadline (ns), at most max_ms */
static int wait_events(struct epoll_event *evs, uint64_t deadline, int max_ms) {
    uint64_t t = now_ns();
    uint64_t left = deadline > t ? deadline - t : 0;
    if (left > (uint64_t)max_ms * 1000000ull) left = (uint64_t)max_ms * 1000000ull;
#ifdef SYS_epoll_pwait2
    struct timespec ts = {.tv_sec = (time_t)(left / 1000000000ull),
                          .tv_nsec = (long)(left % 1000000000ull)};
    int n = (int)syscall(SYS_epoll_pwait2, epfd, evs, MAX_EVENTS, &ts, NULL, 0);
    if (n >= 0 || errno != ENOSYS) return n;
#endif
    return epoll_wait(epfd, evs, MAX_EVENTS, (int)((left + 999999) / 1000000));
}

static void usage(const char *p) {
    fprintf(stderr,
            "usage: %s --port P [--host 127.0.0.1] [--conns N=100] [--senders S=10]\n"
            "          [--rate LINES_PER_S_PER_SENDER=100 (0 = unpaced)] [--size BYTES=64]\n"
            "          [--duration S=10] [--setup 'TEMPLATE' (e.g. '/nick u%%d\\n'; off)]\n"
            "          [--window LINES=0 (unpaced: max undelivered lines per sender; 0 = no limit)]\n"
            "          [--batch LINES=16 (unpaced: lines per write)]\n"
            "          [--connect-rate PER_S=0 (unlimited)] [--connect-concurrency N=256]\n"
            "          [--connect-timeout S=60] [--quiet-ms MS=500] [--settle-timeout S=120]\n"
            "          [--need-banner] [--drain-timeout S=3] [--linger-ms MS=200]\n"
            "          [--max-line BYTES=8192]\n"
            "          [--server-pid PID] [--progress] [--no-nodelay] [--show-bad N=0]\n"
            "          [--port2 P2 (bench addition: every other receiver on P2; off)]\n",
            p);
    exit(2);
}

int main(int argc, char **argv) {
    static struct option lo[] = {
        {"host", required_argument, 0, 'h'},
        {"port", required_argument, 0, 'p'},
        {"conns", required_argument, 0, 'c'},
        {"senders", required_argument, 0, 'S'},
        {"rate", required_argument, 0, 'r'},
        {"size", required_argument, 0, 's'},
        {"duration", required_argument, 0, 'd'},
        {"setup", required_argument, 0, 'u'},
        {"window", required_argument, 0, 'w'},
        {"batch", required_argument, 0, 'b'},
        {"connect-rate", required_argument, 0, 'R'},
        {"connect-concurrency", required_argument, 0, 'C'},
        {"connect-timeout", required_argument, 0, 'T'},
        {"quiet-ms", required_argument, 0, 'q'},
        {"settle-timeout", required_argument, 0, 'Q'},
        {"need-banner", no_argument, 0, 'B'},
        {"drain-timeout", required_argument, 0, 'D'},
        {"linger-ms", required_argument, 0, 'G'},
        {"max-line", required_argument, 0, 'L'},
        {"server-pid", required_argument, 0, 'P'},
        {"progress", no_argument, 0, 'g'},
        {"no-nodelay", no_argument, 0, 'N'},
        {"show-bad", required_argument, 0, 'X'},
        {"port2", required_argument, 0, '2'},
        {"help", no_argument, 0, '?'},
        {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case 'h': opt_host = optarg; break;
        case 'p': opt_port = atoi(optarg); break;
        case 'c': opt_conns = atoi(optarg); break;
        case 'S': opt_senders = atoi(optarg); break;
        case 'r': opt_rate = atof(optarg); break;
        case 's': opt_size = (size_t)strtoull(optarg, NULL, 10); break;
        case 'd': opt_duration = atof(optarg); break;
        case 'u': opt_setup = decode_escapes(optarg); break;
        case 'w': opt_window = strtoull(optarg, NULL, 10); break;
        case 'b': opt_batch = atoi(optarg); break;
        case 'R': opt_connect_rate = atof(optarg); break;
        case 'C': opt_connect_conc = atoi(optarg); break;
        case 'T': opt_connect_timeout = atof(optarg); break;
        case 'q': opt_quiet_ms = atof(optarg); break;
        case 'Q': opt_settle_timeout = atof(optarg); break;
        case 'B': opt_need_banner = 1; break;
        case 'D': opt_drain_timeout = atof(optarg); break;
        case 'G': opt_linger_ms = atof(optarg); break;
        case 'L': opt_max_line = (size_t)strtoull(optarg, NULL, 10); break;
        case 'P': opt_server_pid = atoi(optarg); break;
        case 'g': opt_progress = 1; break;
        case 'N': opt_nodelay = 0; break;
        case 'X': opt_show_bad = atoi(optarg); break;
        case '2': opt_port2 = atoi(optarg); break;
        default: usage(argv[0]);
        }
    }
    if (opt_conns < 2 || opt_senders < 1 || opt_senders > opt_conns || opt_rate < 0 ||
        opt_size < 2 || opt_size > MAX_SIZE || opt_duration <= 0 || opt_batch < 1 ||
        opt_max_line < 256 || opt_connect_conc < 1 || opt_port2 < 0 || opt_port2 > 65535 ||
        (opt_port2 && opt_conns - opt_senders < 2))
        usage(argv[0]);
    if (opt_max_line < 2 * opt_size + 256) opt_max_line = 2 * opt_size + 256;

    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)opt_conns + 16 > rl.rlim_cur)
        fprintf(stderr, "warning: RLIMIT_NOFILE=%lu is below conns+16\n", (unsigned long)rl.rlim_cur);

    t_base = now_ns();
    padpat = malloc(MAX_SIZE + 32);
    if (!padpat) die("malloc");
    for (size_t i = 0; i < MAX_SIZE + 32; i++) padpat[i] = (char)('a' + i % 26);

    conns = calloc((size_t)opt_conns, sizeof *conns);
    size_t npairs = (size_t)opt_conns * (size_t)opt_senders;
    pairs = calloc(npairs, sizeof *pairs);
    if (!conns || !pairs) die("calloc");
    for (int i = 0; i < opt_conns; i++) {
        conns[i].id = i;
        conns[i].fd = -1;
        conns[i].state = S_INIT;
        conns[i].slot = i < opt_senders ? i : -1;
        conns[i].port_idx = opt_port2 && i >= opt_senders && (i - opt_senders) % 2 == 1;
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
    struct sockaddr_in sa2 = sa;
    sa2.sin_port = htons((unsigned short)opt_port2);

    uint64_t cpu0 = cpu_ns_self();
    struct epoll_event evs[MAX_EVENTS];

    /* ---------------- phase 1: connect */
    uint64_t tc0 = now_ns();
    uint64_t tc_deadline = tc0 + (uint64_t)(opt_connect_timeout * 1e9);
    int next = 0;
    phase = PH_CONNECT;
    while (next < opt_conns || conn_pending > 0) {
        int limit = opt_conns;
        if (opt_connect_rate > 0) {
            double allowed = 1.0 + (double)(now_ns() - tc0) / 1e9 * opt_connect_rate;
            if (allowed < (double)limit) limit = (int)allowed;
        }
        while (next < limit && conn_pending < opt_connect_conc) {
            if (start_connect(&conns[next], conns[next].port_idx ? &sa2 : &sa) == 0)
                conn_pending++;
            else
                n_connect_failed++;
            next++;
        }
        if (now_ns() >= tc_deadline) break;
        int wait_ms = (opt_connect_rate > 0 && next < opt_conns) ? 1 : 100;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, wait_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->state == S_CONNECTING) {
                if (connect_done(c) == 0) {
                    n_connected++;
                    if (opt_need_banner)
                        c->gate = 1; /* still in progress until its first byte */
                    else
                        conn_pending--;
                } else {
                    conn_pending--;
                    n_connect_failed++;
                }
            } else {
                dispatch(&evs[i]);
            }
        }
    }
    for (int i = 0; i < opt_conns; i++) {
        if (conns[i].state == S_CONNECTING) {
            conn_close(&conns[i]);
            conn_pending--;
            n_connect_timeout++;
        }
        if (conns[i].gate) { /* connected, no banner yet: the settle phase waits on */
            conns[i].gate = 0;
            conn_pending--;
        }
    }
    double connect_s = (double)(now_ns() - tc0) / 1e9;

    /* ---------------- phase 2: settle (drain banners / announcements) */
    phase = PH_SETTLE;
    uint64_t ts0 = now_ns();
    uint64_t ts_deadline = ts0 + (uint64_t)(opt_settle_timeout * 1e9);
    uint64_t quiet_ns = (uint64_t)(opt_quiet_ms * 1e6);
    if (last_rx_ns < ts0) last_rx_ns = ts0;
    long no_banner = 0;
    int settle_timed_out = 0;
    for (;;) {
        uint64_t t = now_ns();
        no_banner = 0;
        if (opt_need_banner)
            for (int i = 0; i < opt_conns; i++)
                if (conns[i].state == S_OPEN && !conns[i].got_any) no_banner++;
        if (no_banner == 0 && t - last_rx_ns >= quiet_ns) break;
        if (t >= ts_deadline) {
            settle_timed_out = 1;
            break;
        }
        uint64_t dl = last_rx_ns + quiet_ns;
        if (dl <= t || no_banner) dl = t + 50000000ull;
        if (dl > ts_deadline) dl = ts_deadline;
        int n = wait_events(evs, dl, 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) dispatch(&evs[i]);
    }
    double settle_s = (double)(now_ns() - ts0) / 1e9;
    long open_now = 0;
    for (int i = 0; i < opt_conns; i++)
        if (conns[i].state == S_OPEN) open_now++;
    printf("READY connected=%ld open=%ld connect_failed=%ld connect_timeout=%ld connect_s=%.3f "
           "settle_s=%.3f settle_timed_out=%d no_banner=%ld banner_lines=%llu banner_bytes=%llu\n",
           n_connected, open_now, n_connect_failed, n_connect_timeout, connect_s, settle_s,
           settle_timed_out, no_banner, (unsigned long long)banner_lines,
           (unsigned long long)banner_bytes);
    fflush(stdout);

    /* ---------------- phase 3: the window */
    n_window_conns = 0;
    for (int i = 0; i < opt_conns; i++) {
        if (conns[i].state == S_OPEN) {
            conns[i].in_window = 1;
            n_window_conns++;
        }
    }
    long closed_before_window = n_closed_early;
    long long srv0 = opt_server_pid ? proc_ticks(opt_server_pid) : -1;
    uint64_t cpu_w0 = cpu_ns_self();
    uint64_t t_start = now_ns();
    uint64_t t_end = t_start + (uint64_t)(opt_duration * 1e9);
    phase = PH_WINDOW;
    double interval = opt_rate > 0 ? 1e9 / (opt_rate * (double)opt_senders) : 0;
    uint64_t k = 0; /* paced: global line index; line k is sent by sender k % S */
    if (opt_rate == 0)
        for (int i = 0; i < opt_senders; i++)
            if (conns[i].state == S_OPEN) set_events(&conns[i], EPOLLIN | EPOLLOUT);
    uint64_t next_tick = t_start + 1000000000ull;
    uint64_t tick_sent = 0, tick_deliv = 0;
    int tick_no = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= t_end) break;
        uint64_t dl = t_end;
        if (opt_rate > 0) {
            for (;;) {
                uint64_t due = t_start + (uint64_t)((double)k * interval);
                if (due >= t_end) break;
                if (due > t) {
                    dl = due;
                    break;
                }
                if (t - due > pace_late_max_ns) pace_late_max_ns = t - due;
                paced_line(&conns[k % (uint64_t)opt_senders], t);
                k++;
            }
        }
        if (opt_progress && t >= next_tick) {
            tick_no++;
            printf("TICK t=%d sent=%llu delivered=%llu\n", tick_no,
                   (unsigned long long)(sent_lines - tick_sent),
                   (unsigned long long)(delivered - tick_deliv));
            fflush(stdout);
            tick_sent = sent_lines;
            tick_deliv = delivered;
            next_tick += 1000000000ull;
        }
        if (opt_progress && next_tick < dl) dl = next_tick;
        int n = wait_events(evs, dl, 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) dispatch(&evs[i]);
    }
    uint64_t t_stop = now_ns();
    uint64_t cpu_w1 = cpu_ns_self();
    long long srv1 = opt_server_pid ? proc_ticks(opt_server_pid) : -1;
    double run_s = (double)(t_stop - t_start) / 1e9;
    uint64_t rx_window = window_rx_bytes;

    /* ---------------- phase 4: drain */
    phase = PH_DRAIN;
    for (int i = 0; i < opt_senders; i++) {
        struct conn *c = &conns[i];
        if (c->state != S_OPEN) continue;
        c->wblocked = 0;
        set_events(c, c->olen > c->ooff ? (EPOLLIN | EPOLLOUT) : EPOLLIN);
    }
    uint64_t expected = sent_lines * (uint64_t)(n_window_conns > 0 ? n_window_conns - 1 : 0);
    uint64_t td0 = now_ns();
    uint64_t td_deadline = td0 + (uint64_t)(opt_drain_timeout * 1e9);
    uint64_t linger_ns = (uint64_t)(opt_linger_ms * 1e6);
    for (;;) {
        uint64_t t = now_ns();
        if (t >= td_deadline) break;
        uint64_t dl = td_deadline;
        if (delivered >= expected && (self_deliv == 0 || self_deliv >= sent_lines)) {
            /* everything expected is here: read on until quiet for --linger-ms
             * (a trailing duplicate or stray line is still counted) */
            uint64_t quiet_since = last_rx_ns > t_stop ? last_rx_ns : t_stop;
            if (t - quiet_since >= linger_ns) break;
            if (quiet_since + linger_ns < dl) dl = quiet_since + linger_ns;
        }
        int n = wait_events(evs, dl, 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) dispatch(&evs[i]);
    }
    double drain_s = (double)(now_ns() - td0) / 1e9;
    uint64_t cpu1 = cpu_ns_self();

    /* ---------------- report */
    uint64_t lost = 0;
    uint64_t lost_port[2] = {0, 0};
    long conns_port[2] = {0, 0};
    for (int r = 0; r < opt_conns; r++) {
        if (!conns[r].in_window) continue;
        conns_port[conns[r].port_idx]++;
        for (int s = 0; s < opt_senders; s++) {
            if (s == r) continue;
            uint64_t sent_s = conns[s].seq, got = pairs[(size_t)r * (size_t)opt_senders + (size_t)s].got;
            if (got < sent_s) {
                lost += sent_s - got;
                lost_port[conns[r].port_idx] += sent_s - got;
            }
        }
    }
    long open_end = 0;
    for (int i = 0; i < opt_conns; i++)
        if (conns[i].state == S_OPEN) open_end++;
    double cw = (double)(cpu_w1 - cpu_w0) / 1e9;
    double ct = (double)(cpu1 - cpu0) / 1e9;
    double dps = (double)delivered_in_window / run_s;
    double srv_cpu_s = -1, srv_pct = -1;
    if (srv0 >= 0 && srv1 >= 0) {
        srv_cpu_s = (double)(srv1 - srv0) / (double)sysconf(_SC_CLK_TCK);
        srv_pct = srv_cpu_s / run_s * 100.0;
    }
    double p50 = lat_pct(50), p90 = lat_pct(90), p99 = lat_pct(99), p999 = lat_pct(99.9);
    double mean = lat_n ? (double)lat_sum / (double)lat_n : 0;

    printf("chatload: conns=%d connected=%ld open_at_window=%ld senders=%d rate=%g/s/sender "
           "(%s) size=%zu duration=%.3fs\n",
           opt_conns, n_connected, n_window_conns, opt_senders, opt_rate,
           opt_rate > 0 ? "paced" : "unpaced", opt_size, run_s);
    printf("connect %.3f s, settle %.3f s: banner %llu lines, %llu bytes\n", connect_s, settle_s,
           (unsigned long long)banner_lines, (unsigned long long)banner_bytes);
    printf("sent:        %llu lines (%.1f lines/s), %llu write() calls, dropped %llu, "
           "pacing late by up to %.0f us\n",
           (unsigned long long)sent_lines, (double)sent_lines / run_s, (unsigned long long)writes,
           (unsigned long long)send_dropped, (double)pace_late_max_ns / 1000.0);
    printf("delivered:   %llu  expected %llu  lost %llu  dups %llu  reordered %llu  gaps %llu\n",
           (unsigned long long)delivered, (unsigned long long)expected, (unsigned long long)lost,
           (unsigned long long)dups, (unsigned long long)reordered, (unsigned long long)gaps);
    printf("other:       self %llu  corrupt %llu  malformed %llu  foreign %llu  other-lines %llu "
           "(over-long %llu)\n",
           (unsigned long long)self_deliv, (unsigned long long)corrupt,
           (unsigned long long)malformed, (unsigned long long)foreign,
           (unsigned long long)other_lines, (unsigned long long)long_lines);
    printf("throughput:  %.0f deliveries/s in the window (%llu), %llu after it (drain %.3f s); "
           "%.1f MB/s received\n",
           dps, (unsigned long long)delivered_in_window,
           (unsigned long long)(delivered - delivered_in_window), drain_s,
           (double)rx_window / run_s / 1e6);
    printf("latency us:  p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %llu  mean %.0f  (n=%llu)\n",
           p50, p90, p99, p999, (unsigned long long)lat_max, mean, (unsigned long long)lat_n);
    printf("client cpu:  %.2f s in the window (%.0f %%), %.2f s in all\n", cw, cw / run_s * 100.0,
           ct);
    if (srv_cpu_s >= 0)
        printf("server cpu:  %.2f s in the window (%.0f %%) [pid %d]\n", srv_cpu_s, srv_pct,
               opt_server_pid);
    printf("connections: closed by server %ld (before window %ld), io errors %ld, open at end %ld\n",
           n_closed_early, closed_before_window, n_io_errors, open_end);
    if (opt_port2) {
        for (int i = 0; i < 2; i++)
            printf("port %d:     %ld clients, %.0f deliveries/s, lost %llu, latency us p50 %.0f "
                   "p99 %.0f max %llu\n",
                   i ? opt_port2 : opt_port, conns_port[i],
                   (double)port_stats[i].delivered_in_window / run_s,
                   (unsigned long long)lost_port[i], port_pct(&port_stats[i], 50),
                   port_pct(&port_stats[i], 99), (unsigned long long)port_stats[i].max);
    }
    printf("RESULT mode=chat conns=%d senders=%d rate=%g sent=%llu delivered=%llu expected=%llu "
           "lost=%llu reordered=%llu dps=%.0f p50_us=%.0f p99_us=%.0f max_us=%llu "
           "client_cpu_s=%.2f size=%zu duration_s=%.3f connected=%ld open_at_window=%ld "
           "self=%llu corrupt=%llu malformed=%llu foreign=%llu dups=%llu gaps=%llu "
           "other_lines=%llu banner_lines=%llu banner_bytes=%llu delivered_in_window=%llu "
           "delivered_late=%llu send_rate=%.1f send_dropped=%llu writes=%llu p90_us=%.0f "
           "p999_us=%.0f mean_us=%.0f rx_MBps=%.1f client_cpu_pct=%.1f client_cpu_total_s=%.2f "
           "server_cpu_s=%.2f server_cpu_pct=%.1f closed_by_server=%ld io_errors=%ld "
           "connect_failed=%ld connect_timeout=%ld connect_s=%.3f settle_s=%.3f "
           "settle_timed_out=%d drain_s=%.3f window=%llu batch=%d pace_late_max_us=%.0f "
           "dups_old=%llu",
           opt_conns, opt_senders, opt_rate, (unsigned long long)sent_lines,
           (unsigned long long)delivered, (unsigned long long)expected, (unsigned long long)lost,
           (unsigned long long)reordered, dps, p50, p99, (unsigned long long)lat_max, cw, opt_size,
           run_s, n_connected, n_window_conns, (unsigned long long)self_deliv,
           (unsigned long long)corrupt, (unsigned long long)malformed, (unsigned long long)foreign,
           (unsigned long long)dups, (unsigned long long)gaps, (unsigned long long)other_lines,
           (unsigned long long)banner_lines, (unsigned long long)banner_bytes,
           (unsigned long long)delivered_in_window,
           (unsigned long long)(delivered - delivered_in_window), (double)sent_lines / run_s,
           (unsigned long long)send_dropped, (unsigned long long)writes, p90, p999, mean,
           (double)rx_window / run_s / 1e6, cw / run_s * 100.0, ct, srv_cpu_s, srv_pct,
           n_closed_early, n_io_errors, n_connect_failed, n_connect_timeout, connect_s, settle_s,
           settle_timed_out, drain_s, (unsigned long long)opt_window, opt_batch,
           (double)pace_late_max_ns / 1000.0, (unsigned long long)dups_old);
    if (opt_port2) { /* bench addition: per-port figures on the same line */
        printf(" port2=%d", opt_port2);
        for (int i = 0; i < 2; i++)
            printf(" conns_port%d=%ld delivered_port%d=%llu dps_port%d=%.0f lost_port%d=%llu "
                   "p50_us_port%d=%.0f p99_us_port%d=%.0f max_us_port%d=%llu",
                   i + 1, conns_port[i], i + 1,
                   (unsigned long long)port_stats[i].delivered_in_window, i + 1,
                   (double)port_stats[i].delivered_in_window / run_s, i + 1,
                   (unsigned long long)lost_port[i], i + 1, port_pct(&port_stats[i], 50), i + 1,
                   port_pct(&port_stats[i], 99), i + 1, (unsigned long long)port_stats[i].max);
    }
    printf("\n");
    fflush(stdout);
    return 0;
}
