/**
 * Baseline: the smallest fair echo reactor on `Deno.listen` / `Deno.Conn`,
 * written to the rules of the team's notes on Deno fairness
 * (`notes/deno-fairness.md`). It shows what a reactor over Deno's own ops
 * can do, so the bench separates the cost of echochat's layers from the
 * cost of Deno.
 *
 * - A completed read only puts its connection on one FIFO ready queue.
 * - A turn serves at most {@link BUDGET} connections: it writes the echo; the
 *   rest of a partial write follows; then the next read is armed. tokio's
 *   cooperative budget is 128 ops per poll, and serving more than about 100
 *   connections per event-loop iteration starves the rest.
 * - The turn is scheduled by `queueMicrotask` from a completion, so it runs
 *   after all of that iteration's completions are queued. Its "scheduled"
 *   flag is cleared at the end of the turn, so nothing done during the turn
 *   schedules a second turn.
 * - A backlog normally resumes on the next completion (the next iteration);
 *   a `setTimeout(0)` is only a fallback for when none comes, and every turn
 *   cancels it (an uncancelled one adds a second turn per iteration).
 *
 * Usage: deno run --allow-net bench/baselines/fair_echo.ts PORT
 * Listens on 127.0.0.1:PORT.
 *
 * @module
 */

/** Connections served per turn: under tokio's 128, with headroom for accepts. */
export const BUDGET = 100;
/** Read buffer per connection, as in the plain loop. */
export const BUFFER_BYTES = 16 * 1024;

/** One client connection and the result of its last read. */
interface Peer {
  readonly conn: Deno.Conn;
  readonly buf: Uint8Array;
  /** Bytes read, `null` at EOF or after an error. */
  n: number | null;
  closed: boolean;
}

let ready: Peer[] = [];
let head = 0;
let scheduled = false;
let fallback: ReturnType<typeof setTimeout> | undefined;

function close(peer: Peer): void {
  if (peer.closed) return;
  peer.closed = true;
  try {
    peer.conn.close();
  } catch {
    // already closed
  }
}

/** Reads into the peer's buffer; the completion only queues the peer. */
function arm(peer: Peer): void {
  peer.conn.read(peer.buf).then((n) => {
    peer.n = n;
    enqueue(peer);
  }, () => {
    peer.n = null;
    enqueue(peer);
  });
}

/** Writes `buf[from, n)`; the rest of a short write follows, then the next read. */
function echo(peer: Peer, from: number, n: number): void {
  peer.conn.write(peer.buf.subarray(from, n)).then((written) => {
    if (from + written < n) echo(peer, from + written, n);
    else arm(peer);
  }, () => close(peer));
}

function serve(peer: Peer): void {
  if (peer.n === null) close(peer);
  else echo(peer, 0, peer.n);
}

function enqueue(peer: Peer): void {
  ready.push(peer);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(turn);
  }
}

/** Serves at most BUDGET ready connections; leaves the rest for the next iteration. */
function turn(): void {
  if (fallback !== undefined) {
    clearTimeout(fallback);
    fallback = undefined;
  }
  const end = Math.min(ready.length, head + BUDGET);
  while (head < end) serve(ready[head++] as Peer);
  if (head === ready.length) {
    ready = [];
    head = 0;
  } else {
    if (head > 4096) {
      ready = ready.slice(head);
      head = 0;
    }
    fallback = setTimeout(() => {
      fallback = undefined;
      if (!scheduled) {
        scheduled = true;
        turn();
      }
    }, 0);
  }
  scheduled = false;
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? "7000");
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  for await (const conn of listener) {
    conn.setNoDelay(true);
    arm({ conn, buf: new Uint8Array(BUFFER_BYTES), n: 0, closed: false });
  }
}
