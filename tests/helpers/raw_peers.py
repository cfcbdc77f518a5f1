"""Misbehaving TCP peers for the fault tests, on 127.0.0.1 only.

Deno's sockets cannot set SO_LINGER, SO_RCVBUF or TCP_MAXSEG, so the peers
that need them are here. Only modules of Debian's python3-minimal are used
(no json, no resource): the open-file limit is raised by the caller's shell.

Usage: python3 raw_peers.py MODE PORT [key=value ...]

Every mode prints lines "EVENT key=value ...", flushed, and reads commands
from stdin where it says so. It never runs longer than deadline= seconds
(default 60) and exits 1 with "ERROR message" when a step fails.

reset    conns=100 bytes=262144
    Every connection streams to the echo port and reads the echo, verifying
    every byte, until bytes= came back on each. Then each writes one more
    64 KiB chunk without reading (data in flight both ways), and all are
    closed at once with SO_LINGER 0: the kernel sends RST.
    Prints "READY ports=p1,p2,..." after connecting, then
    "DONE echoed_min=N mismatches=N closed_early=N".

stuck    conns=1000 cap=1048576 buf=4096 mss=536
    Peers that push and never read. Small SO_RCVBUF/SO_SNDBUF and a small
    MSS (which keeps the server's send buffer small, about 100 KiB instead
    of several MiB on loopback) make the kernel hold little, so the
    server's own backpressure is what stops a peer. Each pushes at most
    cap= bytes. Prints "READY ports=..." once connected, "STEADY blocked=N
    capped=N closed=N pushed_min=N pushed_max=N pushed_total=N" once no peer
    made progress for 1 s, and after a "close" line on stdin (or stdin's
    end) "DONE closed=N", closing every peer with RST.

trickle  conns=2000 min=2 max=3 batch=200
    Slow typists on the chat port: connects in batches, each batch waiting
    until every connection got its greeting, prints "READY ports=...", then
    every connection sends one letter (never a newline) every min..max
    seconds and reads and discards everything. After "stop" on stdin (or its
    end) it prints "DONE sent_min=N sent_total=N closed=N received=N" and
    closes everything.
"""

import os
import random
import selectors
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def out(*words):
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


def fail(message):
    out("ERROR", message)
    sys.exit(1)


def options(argv, defaults):
    opts = dict(defaults)
    for arg in argv:
        key, _, value = arg.partition("=")
        if key not in opts:
            fail("unknown option " + key)
        opts[key] = float(value) if "." in value else int(value)
    return opts


def connect(port, rcvbuf=0, sndbuf=0, mss=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    if mss:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    s.settimeout(30)
    s.connect((HOST, port))
    s.setblocking(False)
    return s


def reset_now(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def ports_of(socks):
    return ",".join(str(s.getsockname()[1]) for s in socks)


def stdin_line(timeout):
    """A line from stdin, "" at its end, None when nothing came within timeout."""
    ready = selectors.DefaultSelector()
    ready.register(sys.stdin, selectors.EVENT_READ)
    events = ready.select(timeout)
    ready.close()
    if not events:
        return None
    return sys.stdin.readline() or ""


def run_reset(port, o):
    n, want, deadline = o["conns"], o["bytes"], time.monotonic() + o["deadline"]
    socks = [connect(port) for _ in range(n)]
    out("READY", "ports=" + ports_of(socks))
    size = 1 << 20
    pattern = os.urandom(size)
    pattern = pattern + pattern  # conn i sends byte k as pattern[(i * 7919 + k) % size]
    window = 256 * 1024  # most bytes of one connection in flight
    sent, got, mismatches = [0] * n, [0] * n, 0
    both = selectors.EVENT_READ | selectors.EVENT_WRITE
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, both, i)
    short = set(range(n))  # connections with fewer than `want` bytes echoed
    closed_early = 0
    # Every connection keeps streaming until all have had `want` bytes back,
    # so the reset below hits streams that are still flowing.
    while short:
        if time.monotonic() > deadline:
            fail("echo streams did not finish: %d of %d still short" % (len(short), n))
        for key, mask in sel.select(0.5):
            i, s = key.data, key.fileobj
            base = i * 7919
            if mask & selectors.EVENT_READ:
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    closed_early += 1
                    sel.unregister(s)
                    short.discard(i)
                    continue
                start = (base + got[i]) % size
                if data != pattern[start : start + len(data)]:
                    mismatches += 1
                got[i] += len(data)
                if got[i] >= want:
                    short.discard(i)
            if mask & selectors.EVENT_WRITE:
                start = (base + sent[i]) % size
                try:
                    sent[i] += s.send(pattern[start : start + 16384])
                except OSError:
                    pass
            sel.modify(s, both if sent[i] - got[i] < window else selectors.EVENT_READ, i)
    sel.close()
    chunk = pattern[:65536]  # the server may echo it or not: the peer is gone
    for s in socks:  # mid-stream: unread echo on our side, new bytes on the server's
        try:
            s.send(chunk)
        except OSError:
            pass
    for s in socks:
        reset_now(s)
    out("DONE", "echoed_min=%d" % min(got), "mismatches=%d" % mismatches,
        "closed_early=%d" % closed_early)


def tcp_state(s):
    """The kernel's TCP state of `s` (1 is ESTABLISHED; a FIN or RST from the server ends it)."""
    try:
        return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    except OSError:
        return 0


def run_stuck(port, o):
    n, cap, deadline = o["conns"], o["cap"], time.monotonic() + o["deadline"]
    socks = [connect(port, o["buf"], o["buf"], o["mss"]) for _ in range(n)]
    out("READY", "ports=" + ports_of(socks))
    chunk = os.urandom(16384)
    pushed = [0] * n
    state = ["pushing"] * n  # pushing, blocked, capped, closed
    sel = selectors.DefaultSelector()

    def push(i):
        s = socks[i]
        try:
            while pushed[i] < cap:
                pushed[i] += s.send(chunk[: min(len(chunk), cap - pushed[i])])
            state[i] = "capped"
        except BlockingIOError:
            state[i] = "blocked"
        except OSError:
            state[i] = "closed"

    def step(i):
        """Pushes peer i, keeping it registered for writability only while it is blocked."""
        was_blocked = state[i] == "blocked"
        push(i)
        if state[i] == "blocked" and not was_blocked:
            sel.register(socks[i], selectors.EVENT_WRITE, i)
        elif state[i] != "blocked" and was_blocked:
            sel.unregister(socks[i])

    def closed_count():
        for i, s in enumerate(socks):
            if state[i] != "closed" and tcp_state(s) != 1:
                if state[i] == "blocked":
                    sel.unregister(s)
                state[i] = "closed"
        return state.count("closed")

    for i in range(n):
        step(i)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 1.0:
        if time.monotonic() > deadline:
            fail("stuck peers still pushing at the deadline")
        for key, _ in sel.select(0.1):
            before = pushed[key.data]
            step(key.data)
            if pushed[key.data] > before:
                quiet_since = time.monotonic()
    closed = closed_count()
    out("STEADY", "blocked=%d" % state.count("blocked"), "capped=%d" % state.count("capped"),
        "closed=%d" % closed, "pushed_min=%d" % min(pushed),
        "pushed_max=%d" % max(pushed), "pushed_total=%d" % sum(pushed))
    while stdin_line(0.2) is None:
        if time.monotonic() > deadline:
            fail("no close command before the deadline")
    out("DONE", "closed=%d" % closed_count())
    sel.close()
    for s in socks:
        reset_now(s)


def run_trickle(port, o):
    n, deadline = o["conns"], time.monotonic() + o["deadline"]
    sel = selectors.DefaultSelector()
    socks, greeted, received = [], [False] * n, [0] * n
    closed = [False] * n

    def drain(timeout):
        for key, _ in sel.select(timeout):
            i, s = key.data, key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed[i] = True
                sel.unregister(s)
                continue
            received[i] += len(data)
            greeted[i] = True

    while len(socks) < n:
        for _ in range(min(o["batch"], n - len(socks))):
            s = connect(port)
            sel.register(s, selectors.EVENT_READ, len(socks))
            socks.append(s)
        while not all(greeted[: len(socks)]):
            if time.monotonic() > deadline:
                fail("%d connections got no greeting" % greeted[: len(socks)].count(False))
            drain(0.1)
            if any(closed):
                fail("the server closed %d connections while connecting" % closed.count(True))
    out("READY", "ports=" + ports_of(socks))
    rng = random.Random(7)
    lo, hi = o["min"], o["max"]
    start = time.monotonic()
    due = [start + rng.uniform(0, hi) for _ in range(n)]
    sent = [0] * n
    while True:
        if time.monotonic() > deadline:
            fail("no stop command before the deadline")
        tick = time.monotonic() + 0.1
        while time.monotonic() < tick:
            drain(max(0, tick - time.monotonic()))
        now = time.monotonic()
        for i, s in enumerate(socks):
            if due[i] <= now and not closed[i]:
                try:
                    s.send(bytes([ord("a") + sent[i] % 26]))
                    sent[i] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed[i] = True
                due[i] = now + rng.uniform(lo, hi)
        if stdin_line(0) is not None:
            break
    out("DONE", "sent_min=%d" % min(sent), "sent_total=%d" % sum(sent),
        "closed=%d" % closed.count(True), "received=%d" % sum(received))
    sel.close()
    for s in socks:
        s.close()


MODES = {
    "reset": (run_reset, {"conns": 100, "bytes": 262144, "deadline": 60}),
    "stuck": (run_stuck, {"conns": 1000, "cap": 1048576, "buf": 4096, "mss": 536, "deadline": 60}),
    "trickle": (run_trickle, {"conns": 2000, "min": 2.0, "max": 3.0, "batch": 200, "deadline": 60}),
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in MODES:
        fail("usage: raw_peers.py reset|stuck|trickle PORT [key=value ...]")
    run, defaults = MODES[sys.argv[1]]
    run(int(sys.argv[2]), options(sys.argv[3:], defaults))
