/*
 * Copied from the echochat team's shared measuring tools (tools/epoll_echo.c), so that
 * `deno task bench` is self-contained. Unchanged apart from this header.
 */
/*
 * epoll_echo.c -- reference TCP echo server ("physical limit" anchor).
 *
 * Single thread, non-blocking sockets, epoll in level-triggered mode.
 * Every byte read is written back unchanged.  When a write is short, the
 * unwritten remainder is kept in a per-connection output buffer, the
 * connection stops reading (backpressure) and waits for EPOLLOUT; once the
 * buffer is drained it goes back to reading.  No data is ever dropped.
 * When the peer closes (read returns 0) the pending output is flushed and
 * the socket is closed.
 *
 * Usage: epoll_echo PORT          (listens on 127.0.0.1:PORT)
 * Build: gcc -O2 -Wall -o epoll_echo epoll_echo.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUF (64 * 1024)
#define MAX_EVENTS 512

struct conn {
    int fd;
    int eof;            /* peer sent FIN; close after flushing */
    unsigned events;    /* currently registered epoll events */
    char *out;          /* pending output (unwritten remainder) */
    size_t out_len;     /* bytes pending */
    size_t out_off;     /* offset of first pending byte */
    size_t out_cap;
};

static int epfd;
static int listen_fd;
static char rbuf[READ_BUF];
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void set_events(struct conn *c, unsigned ev) {
    if (c->events == ev) return;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) < 0) perror("epoll_ctl MOD");
    c->events = ev;
}

static void conn_close(struct conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->out);
    free(c);
}

/* Try to write pending output. Returns 0 ok, -1 on fatal error. */
static int flush_out(struct conn *c) {
    while (c->out_len > 0) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len);
        if (w > 0) {
            c->out_off += (size_t)w;
            c->out_len -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            return -1;
        }
    }
    c->out_off = 0;
    return 0;
}

static int queue_out(struct conn *c, const char *p, size_t n) {
    if (c->out_off > 0 && c->out_len > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len);
    }
    c->out_off = 0;
    if (c->out_len + n > c->out_cap) {
        size_t nc = c->out_cap ? c->out_cap : 4096;
        while (nc < c->out_len + n) nc *= 2;
        char *nb = realloc(c->out, nc);
        if (!nb) return -1;
        c->out = nb;
        c->out_cap = nc;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return 0;
}

static void handle_read(struct conn *c) {
    ssize_t n = read(c->fd, rbuf, sizeof rbuf);
    if (n == 0) {
        c->eof = 1;
        if (c->out_len == 0) {
            conn_close(c);
        } else {
            set_events(c, EPOLLOUT);
        }
        return;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        conn_close(c);
        return;
    }
    /* write directly; keep the remainder if the write is short */
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(c->fd, rbuf + off, (size_t)n - off);
        if (w > 0) {
            off += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            conn_close(c);
            return;
        }
    }
    if (off < (size_t)n) {
        if (queue_out(c, rbuf + off, (size_t)n - off) < 0) {
            conn_close(c);
            return;
        }
        /* backpressure: stop reading until the output is drained */
        set_events(c, EPOLLOUT);
    }
}

static void handle_write(struct conn *c) {
    if (flush_out(c) < 0) {
        conn_close(c);
        return;
    }
    if (c->out_len == 0) {
        if (c->eof) {
            conn_close(c);
            return;
        }
        /* shrink big buffers so idle connections stay small */
        if (c->out_cap > 64 * 1024) {
            free(c->out);
            c->out = NULL;
            c->out_cap = 0;
        }
        set_events(c, EPOLLIN);
    }
}

static void accept_all(void) {
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) perror("accept4");
            return; /* EAGAIN or resource limit */
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->events = EPOLLIN;
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
            perror("epoll_ctl ADD");
            close(fd);
            free(c);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) { perror("socket"); return 1; }
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    if (listen(listen_fd, 4096) < 0) { perror("listen"); return 1; }

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) { perror("epoll_create1"); return 1; }
    struct epoll_event le = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &le);

    fprintf(stderr, "epoll_echo listening on 127.0.0.1:%d\n", port);
    struct epoll_event evs[MAX_EVENTS];
    while (!stop_flag) {
        int n = epoll_wait(epfd, evs, MAX_EVENTS, 1000);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c == NULL) {
                accept_all();
                continue;
            }
            unsigned ev = evs[i].events;
            if (ev & EPOLLERR) {
                conn_close(c);
                continue;
            }
            if (ev & EPOLLOUT) {
                handle_write(c);
                continue; /* c may be freed; EPOLLIN is off while output pending */
            }
            if (ev & (EPOLLIN | EPOLLHUP)) handle_read(c);
        }
    }
    return 0;
}
