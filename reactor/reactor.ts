import { type AcceptErrorKind, AcceptLoop } from "./accept_loop.ts";
import { type BufferOptions, resolveBufferOptions } from "./buffer_options.ts";
import { type Clock, monotonicClock } from "./clock.ts";
import { CLOSE_REASONS, type CloseReason } from "./close_reason.ts";
import { Connection, type ConnectionHost, type Stream, type Traffic } from "./connection.ts";
import { DEFAULT_DISPATCH_BUDGET, Dispatcher } from "./dispatcher.ts";
import type { Conn, Handler } from "./handler.ts";
import { ConnectionPool } from "./pool.ts";
import { TimeoutList } from "./timeout_list.ts";

/** Settings of a {@link Reactor}. */
export interface ReactorOptions {
  /** Most open connections across all listeners; 0 means no limit. @default 0 */
  maxConnections?: number;
  /** Inbound silence after which a connection is idle; 0 disables. @default 300000 */
  idleTimeoutMs?: number;
  /** Time from `onIdle` to the close, for protocols that warn or probe. @default 30000 */
  idleGraceMs?: number;
  /** How long a graceful close waits for the peer without progress. @default 5000 */
  lingerMs?: number;
  /** Period of the heartbeat that expires idle, grace and linger waits. @default 1000 */
  heartbeatIntervalMs?: number;
  /** Most connections served per event-loop iteration (see `Dispatcher`). @default 100 */
  dispatchBudget?: number;
  /** Source of monotonic milliseconds (tests inject their own and call `tick()`). */
  clock?: Clock;
  /** Who hears about listener events (the server's log policy). */
  observer?: ReactorObserver;
}

/** The defaults of {@link ReactorOptions}, defined once. */
export const DEFAULT_REACTOR_OPTIONS = Object.freeze({
  maxConnections: 0,
  idleTimeoutMs: 300_000,
  idleGraceMs: 30_000,
  lingerMs: 5_000,
  heartbeatIntervalMs: 1_000,
  dispatchBudget: DEFAULT_DISPATCH_BUDGET,
});

/** How long `stop()` waits for connections to close gracefully, by default. */
export const DEFAULT_STOP_GRACE_MS = 5_000;

/**
 * Listener events, for whoever decides what is worth logging or counting.
 * The reactor reports; it does not log.
 */
export interface ReactorObserver {
  /** `accept()` failed; `failures` counts failures in a row that backed off (0 for `peer`). */
  acceptFailed?(listener: string, error: unknown, kind: AcceptErrorKind, failures: number): void;
  /** Accepting works again after `failures` failures. */
  acceptResumed?(listener: string, failures: number): void;
  /** A connection was refused because `maxConnections` are open. */
  refused?(listener: string, peer: Deno.Addr): void;
  /** A protocol callback threw; its connection closes with reason `error`. */
  handlerFailed?(conn: Conn, error: unknown): void;
}

/** A protocol and how its connections are buffered. */
export interface Protocol<S = unknown> {
  /** The protocol's callbacks. */
  handler: Handler<S>;
  /** Buffering of its connections. */
  buffers?: Partial<BufferOptions>;
  /** Written, best effort, to a connection refused at `maxConnections` before it is closed. */
  refusal?: Uint8Array;
}

/** Where and what one listener serves. */
export interface ListenOptions<S> {
  /** Name used in logs, counters and `Conn.listener` (`echo`, `chat-tls`). */
  name: string;
  /** Address to bind. */
  hostname: string;
  /** Port to bind; 0 lets the OS pick a free one. */
  port: number;
  /** What its connections speak. */
  protocol: Protocol<S>;
  /** TLS certificate chain and key (PEM): listen with `Deno.listenTls`. */
  tls?: { cert: string; key: string };
}

/** Counters of one listener. */
export interface ListenerStats extends Traffic {
  /** Listener name. */
  name: string;
  /** The bound address; `null` for streams passed to `add`. */
  addr: Deno.NetAddr | null;
  /** Connections open now (closing ones included until their socket closes). */
  open: number;
  /** Connections accepted. */
  accepted: number;
  /** Connections refused at `maxConnections`. */
  refused: number;
  /** Closes by reason. */
  closed: Record<CloseReason, number>;
}

/** How a graceful stop ended. */
export interface StopSummary {
  /** Connections that finished their close within the grace period. */
  graceful: number;
  /** Connections still open when the grace period ended, closed at once. */
  cutOff: number;
}

interface ListenerEntry {
  readonly loop: AcceptLoop | null;
  readonly protocol: Protocol<unknown>;
  readonly buffers: BufferOptions;
  readonly stats: ListenerStats;
}

/**
 * The event loop of echochat: listeners, the connection pool, the fair
 * dispatcher and one heartbeat (libevent's event base, Redis's
 * `aeEventLoop`). The reactor's one I/O path is `Deno.listen` / `Deno.Conn`.
 *
 * It turns Deno's completions into calls on plain {@link Handler} objects,
 * one at a time: accepts admit connections (up to `maxConnections`), reads
 * and writes go through the {@link Dispatcher}, and the heartbeat expires
 * three fixed-duration {@link TimeoutList}s: idle, idle grace and linger.
 *
 * Lifecycle: `listen()` binds (rejecting if it cannot) and accepts, `run()`
 * starts the heartbeat and resolves once stopped, `stop({ graceMs })` stops
 * accepting and closes every connection gracefully within the grace period,
 * `abort()` closes everything now.
 */
export class Reactor {
  readonly #options: Readonly<Required<Omit<ReactorOptions, "clock" | "observer">>>;
  readonly #clock: Clock;
  readonly #observer: ReactorObserver;
  readonly #dispatcher: Dispatcher;
  readonly #pool = new ConnectionPool<Connection>();
  readonly #listeners = new Map<string, ListenerEntry>();
  readonly #idle: TimeoutList<Connection>;
  readonly #grace: TimeoutList<Connection>;
  readonly #linger: TimeoutList<Connection>;
  readonly #host: ConnectionHost;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #stopDeadline = Infinity;
  #stopping = false;
  #aborting = false;
  #stopped = false;
  readonly #summary: StopSummary = { graceful: 0, cutOff: 0 };
  readonly #done: Promise<StopSummary>;
  #resolveDone!: (summary: StopSummary) => void;

  constructor(options: ReactorOptions = {}) {
    const defined = Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    );
    this.#options = { ...DEFAULT_REACTOR_OPTIONS, ...defined };
    if (!(this.#options.heartbeatIntervalMs >= 1)) {
      throw new RangeError("heartbeatIntervalMs must be at least 1");
    }
    this.#clock = options.clock ?? monotonicClock;
    this.#observer = options.observer ?? {};
    this.#dispatcher = new Dispatcher(this.#options.dispatchBudget);
    this.#idle = new TimeoutList(this.#options.idleTimeoutMs);
    this.#grace = new TimeoutList(this.#options.idleGraceMs);
    this.#linger = new TimeoutList(this.#options.lingerMs);
    this.#host = {
      enqueue: (task) => this.#dispatcher.enqueue(task),
      markDirty: (task) => this.#dispatcher.markDirty(task),
      now: () => this.#clock(),
      idle: this.#idle,
      linger: this.#linger,
      closing: (conn, reason) => {
        this.#linger.add(conn, this.#clock());
        this.#entry(conn.listener).stats.closed[reason]++;
      },
      closed: (conn) => this.#closed(conn),
      handlerFailed: (conn, error) => this.#observer.handlerFailed?.(conn, error),
    };
    this.#done = new Promise((resolve) => this.#resolveDone = resolve);
  }

  /** Number of open connections. */
  get size(): number {
    return this.#pool.size;
  }

  /** Connections waiting for the dispatcher. */
  get backlog(): number {
    return this.#dispatcher.backlog;
  }

  /** Counters of every listener (and of `add`ed streams, under their listener name). */
  stats(): ListenerStats[] {
    return [...this.#listeners.values()].map((entry) => ({
      ...entry.stats,
      closed: { ...entry.stats.closed },
    }));
  }

  /**
   * Binds a listener and starts accepting on it. Throws Deno's bind error
   * (`AddrInUse`, `PermissionDenied`, ...) when it cannot bind. Returns the
   * bound address (which tells the port the OS picked for port 0).
   */
  listen<S>(options: ListenOptions<S>): Deno.NetAddr {
    this.#checkName(options.name);
    const { hostname, port } = options;
    const listener = options.tls === undefined
      ? Deno.listen({ hostname, port })
      : Deno.listenTls({ hostname, port, ...options.tls });
    const name = options.name;
    const loop = new AcceptLoop(listener, {
      accepted: (conn) => this.#admit(conn, name),
      failed: (error, kind, failures) => this.#observer.acceptFailed?.(name, error, kind, failures),
      resumed: (failures) => this.#observer.acceptResumed?.(name, failures),
    });
    this.#register(
      name,
      options.protocol as Protocol<unknown>,
      listener.addr as Deno.NetAddr,
      loop,
    );
    loop.run();
    return listener.addr as Deno.NetAddr;
  }

  /** Stops accepting on one listener; its open connections stay. Returns whether it existed. */
  unlisten(name: string): boolean {
    const entry = this.#listeners.get(name);
    if (entry?.loop == null) return false;
    entry.loop.close();
    this.#listeners.set(name, { ...entry, loop: null });
    return true;
  }

  /**
   * Serves an already connected stream with `protocol`, as if `name` had
   * accepted it (libevent's `bufferevent_socket_new` on an existing socket;
   * tests pass one end of an in-memory pair). Returns false when refused.
   */
  add<S>(name: string, protocol: Protocol<S>, stream: Stream): boolean {
    if (!this.#listeners.has(name)) {
      this.#register(name, protocol, null, null);
    }
    return this.#admit(stream, name);
  }

  /** Starts the heartbeat; resolves when the reactor has stopped. */
  run(): Promise<StopSummary> {
    if (this.#heartbeat === undefined && !this.#stopped) {
      this.#heartbeat = setInterval(() => this.tick(), this.#options.heartbeatIntervalMs);
    }
    return this.#done;
  }

  /**
   * The heartbeat: closes or warns connections whose idle, grace or linger
   * wait has run out. The interval timer calls it; tests that inject a
   * clock call it after moving the clock. Costs O(k + 1) for k expiries.
   */
  tick(): void {
    const now = this.#clock();
    if (now >= this.#stopDeadline) {
      this.abort();
      return;
    }
    this.#idle.expire(now, (conn) => conn.idle(this.#grace, now));
    this.#grace.expire(now, (conn) => conn.close("idle"));
    this.#linger.expire(now, (conn) => conn.expireLinger());
  }

  /**
   * Graceful stop: stops accepting, asks every connection to close with
   * reason `shutdown` (protocols may write a last line; queued bytes are
   * flushed and the peers' FINs awaited), and closes whatever is still open
   * after `graceMs` by the clock (a timer ticks then). Resolves once every
   * connection is closed.
   */
  stop({ graceMs = DEFAULT_STOP_GRACE_MS }: { graceMs?: number } = {}): Promise<StopSummary> {
    if (this.#stopping) return this.#done;
    this.#stopping = true;
    this.#closeListeners();
    for (const conn of this.#pool.snapshot()) conn.close("shutdown");
    if (this.#pool.size === 0) this.#finishStop();
    else {
      this.#stopDeadline = this.#clock() + graceMs;
      this.#graceTimer = setTimeout(() => this.tick(), graceMs + 1);
    }
    return this.#done;
  }

  /** Immediate stop: every open connection is closed now (reason `shutdown` if none was decided). */
  abort(): Promise<StopSummary> {
    this.#stopping = true;
    this.#aborting = true;
    this.#closeListeners();
    for (const conn of this.#pool.snapshot()) {
      conn.close("shutdown");
      conn.expireLinger();
    }
    this.#finishStop();
    return this.#done;
  }

  #checkName(name: string): void {
    if (this.#stopping) throw new Error("The reactor is stopping: it cannot listen any more");
    if (this.#listeners.has(name)) throw new RangeError(`A listener named ${name} already exists`);
  }

  #register(
    name: string,
    protocol: Protocol<unknown>,
    addr: Deno.NetAddr | null,
    loop: AcceptLoop | null,
  ): void {
    const closed = Object.fromEntries(CLOSE_REASONS.map((r) => [r, 0])) as Record<
      CloseReason,
      number
    >;
    this.#listeners.set(name, {
      loop,
      protocol,
      buffers: resolveBufferOptions(protocol.buffers),
      stats: { name, addr, open: 0, accepted: 0, refused: 0, bytesIn: 0, bytesOut: 0, closed },
    });
  }

  #entry(name: string): ListenerEntry {
    return this.#listeners.get(name) as ListenerEntry;
  }

  #admit(stream: Stream, name: string): boolean {
    const entry = this.#entry(name);
    const max = this.#options.maxConnections;
    if (this.#stopping || (max > 0 && this.#pool.size >= max)) {
      entry.stats.refused++;
      if (!this.#stopping) this.#observer.refused?.(name, stream.remoteAddr);
      refuse(stream, entry.protocol.refusal);
      return false;
    }
    if ("setNoDelay" in stream && typeof stream.setNoDelay === "function") {
      try {
        stream.setNoDelay(true);
      } catch {
        // The peer may already be gone; the first read reports it.
      }
    }
    const conn = new Connection(
      this.#pool.nextId(),
      name,
      stream,
      entry.protocol.handler,
      entry.buffers,
      entry.stats,
      this.#host,
    );
    entry.stats.accepted++;
    entry.stats.open++;
    this.#pool.add(conn);
    conn.start();
    return true;
  }

  #closed(conn: Connection): void {
    this.#pool.delete(conn.id);
    conn.timeoutList?.remove(conn);
    this.#entry(conn.listener).stats.open--;
    if (this.#stopping) {
      if (this.#aborting) this.#summary.cutOff++;
      else this.#summary.graceful++;
      if (this.#pool.size === 0) this.#finishStop();
    } else {
      for (const entry of this.#listeners.values()) entry.loop?.retry();
    }
  }

  #closeListeners(): void {
    for (const [name, entry] of this.#listeners) {
      entry.loop?.close();
      this.#listeners.set(name, { ...entry, loop: null });
    }
  }

  #finishStop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#graceTimer);
    this.#dispatcher.stop();
    this.#resolveDone({ ...this.#summary });
  }
}

/** Writes the refusal (one attempt, not awaited) and closes the stream. */
function refuse(stream: Stream, refusal: Uint8Array | undefined): void {
  const close = () => {
    try {
      stream.close();
    } catch {
      // Already closed.
    }
  };
  if (refusal === undefined) close();
  else stream.write(refusal).then(close, close);
}
