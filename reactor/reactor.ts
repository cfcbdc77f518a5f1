import { getLogger } from "@logtape/logtape";
import { type BufferOptions, resolveBufferOptions } from "./buffer_options.ts";
import { type Clock, monotonicClock } from "./clock.ts";
import type { CloseReason } from "./close_reason.ts";
import { Connection, type ConnectionHost } from "./connection.ts";
import { listenDeno } from "./deno_transport.ts";
import type { Handler } from "./handler.ts";
import { type IdleActions, IdleReaper } from "./idle_reaper.ts";
import { ConnectionPool } from "./pool.ts";
import { listenNode } from "./node_transport.ts";
import { ReadyQueue } from "./ready_queue.ts";
import type {
  Dispatchable,
  ListenerEvents,
  Transport,
  TransportKind,
  TransportListener,
} from "./transport.ts";

type Timer = ReturnType<typeof setTimeout>;

const log = getLogger(["echochat", "reactor"]);

/** Settings of a {@link Reactor}. */
export interface ReactorOptions {
  /** Most live connections across all listeners; 0 means no limit. @default 0 */
  maxConnections?: number;
  /** Inbound silence after which a connection is reaped; 0 disables. @default 300000 */
  idleTimeoutMs?: number;
  /** Time between an idle warning and the close, for protocols that warn. @default 30000 */
  idleGraceMs?: number;
  /** Period of the one heartbeat timer that reaps idle connections. @default 1000 */
  heartbeatIntervalMs?: number;
  /**
   * Most completed reads the dispatcher hands to protocols per turn. Bounding
   * it is what keeps Deno fair above ~128 busy connections
   * (see `notes/deno-fairness.md`).
   * @default 100
   */
  dispatchBudget?: number;
  /** How long a graceful close may wait for the peer without progress. @default 5000 */
  lingerMs?: number;
  /**
   * The I/O model: `node` (Deno's native `node:net` handle: fair, small idle
   * connections) or `deno` (`Deno.listen` completion ops through the
   * bounded dispatcher).
   * @default "node"
   */
  transport?: TransportKind;
  /** Source of monotonic milliseconds (tests inject their own). */
  clock?: Clock;
}

/** Settings of one listener. */
export interface ListenOptions<S> {
  /** Name of the protocol, used in logs and close reports (`echo`, `chat`). */
  name: string;
  /** Address to bind. */
  hostname: string;
  /** Port to bind; 0 lets the OS pick a free one. */
  port: number;
  /** The protocol's callbacks. */
  handler: Handler<S>;
  /** Buffering of this listener's connections. */
  buffers?: Partial<BufferOptions>;
}

/** Counters a reactor keeps for its whole life. */
export interface ReactorStats {
  /** Connections accepted and admitted to the pool. */
  accepted: number;
  /** Connections refused at accept time because of `maxConnections`. */
  refused: number;
  /** Closes by reason. */
  closed: Record<CloseReason, number>;
}

interface ListenerEntry {
  readonly name: string;
  readonly listener: TransportListener;
  readonly handler: Handler<unknown>;
  readonly buffers: BufferOptions;
  /** Accept errors since the last successful accept (logged once per burst). */
  acceptFailures: number;
}

/** Most idle connections warned or closed in one slice of a heartbeat tick. */
const SWEEP_SLICE = 1024;

/**
 * The event loop of echochat: listeners, the connection pool, a dispatcher
 * and one heartbeat timer (libevent's event base, Redis's `aeEventLoop`).
 *
 * The reactor turns I/O events from its transport into calls on plain
 * {@link Handler} objects, one at a time. With the `node` transport, data
 * arrives from a native readiness-based handle and goes straight to the
 * handler. With the `deno` transport, a completed read only puts its
 * connection into a FIFO, and the dispatcher serves at most `dispatchBudget`
 * of them per turn. Either way, every connection written to during a turn is
 * flushed with one write at its end (output coalescing).
 *
 * Lifecycle: `listen()` binds (throwing if it cannot), `run()` accepts and
 * resolves once the reactor has stopped, `stop({ graceMs })` stops accepting
 * and closes every connection gracefully within the grace period, `abort()`
 * closes everything now.
 */
export class Reactor {
  readonly #options: Required<Omit<ReactorOptions, "clock">>;
  readonly #clock: Clock;
  readonly #pool = new ConnectionPool<Connection>();
  readonly #reaper: IdleReaper<Connection>;
  readonly #listeners = new Map<string, ListenerEntry>();
  readonly #ready = new ReadyQueue<Dispatchable>();
  readonly #closing = new Set<Connection>();
  #dirty: Connection[] = [];
  #now: number;
  #turnScheduled = false;
  #backlogTimer: Timer | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #sweepTimer: Timer | undefined;
  #graceTimer: Timer | undefined;
  #running = false;
  #stopping = false;
  #stopped = false;
  #refusedInBurst = 0;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;
  readonly #stats: ReactorStats = {
    accepted: 0,
    refused: 0,
    closed: {
      eof: 0,
      reset: 0,
      error: 0,
      idle: 0,
      limit: 0,
      shutdown: 0,
      server: 0,
      "slow-consumer": 0,
    },
  };

  constructor(options: ReactorOptions = {}) {
    this.#options = {
      maxConnections: options.maxConnections ?? 0,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      idleGraceMs: options.idleGraceMs ?? 30_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      dispatchBudget: options.dispatchBudget ?? 100,
      lingerMs: options.lingerMs ?? 5000,
      transport: options.transport ?? "node",
    };
    if (!(this.#options.heartbeatIntervalMs > 0)) {
      throw new RangeError("heartbeatIntervalMs must be positive");
    }
    if (!(this.#options.dispatchBudget >= 1)) throw new RangeError("dispatchBudget must be >= 1");
    this.#clock = options.clock ?? monotonicClock;
    this.#now = this.#clock();
    this.#reaper = new IdleReaper({
      timeoutMs: this.#options.idleTimeoutMs,
      graceMs: this.#options.idleGraceMs,
    });
    this.#done = new Promise((resolve) => this.#resolveDone = resolve);
  }

  /** Number of live connections. */
  get size(): number {
    return this.#pool.size;
  }

  /** Lifetime counters. */
  get stats(): Readonly<ReactorStats> {
    return this.#stats;
  }

  /** The live connection with this id, if any. */
  get(id: number): Connection | undefined {
    return this.#pool.get(id);
  }

  /**
   * Binds a listener for one protocol and starts accepting on it. Rejects
   * with the bind error when the address cannot be bound (Deno's `AddrInUse`
   * or `node:net`'s `EADDRINUSE`, and so on). Resolves with the bound
   * address, which tells the port the OS picked for port 0.
   */
  async listen<S>(options: ListenOptions<S>): Promise<Deno.NetAddr> {
    if (this.#stopping) throw new Error("The reactor is stopping: it cannot listen any more");
    if (this.#listeners.has(options.name)) {
      throw new RangeError(`A listener named ${options.name} already exists`);
    }
    const buffers = resolveBufferOptions(options.buffers);
    const handler = options.handler as Handler<unknown>;
    // Accepts can only arrive once the listener is bound and its entry set.
    const bound: { entry?: ListenerEntry } = {};
    const events: ListenerEvents = {
      onAccept: (transport) => {
        if (bound.entry === undefined || this.#stopping) transport.close();
        else this.#admit(transport, bound.entry);
      },
      onAcceptError: (error) => {
        if (bound.entry !== undefined) this.#acceptFailed(bound.entry, error);
      },
    };
    const listener = this.#options.transport === "node"
      ? await listenNode(options.hostname, options.port, events)
      : listenDeno(options.hostname, options.port, events, this.#schedule, buffers);
    if (this.#stopping) {
      listener.close();
      throw new Error("The reactor stopped while binding");
    }
    const entry = { name: options.name, listener, handler, buffers, acceptFailures: 0 };
    bound.entry = entry;
    this.#listeners.set(options.name, entry);
    return listener.addr;
  }

  /** Stops accepting on one listener; its live connections stay. */
  unlisten(name: string): boolean {
    const entry = this.#listeners.get(name);
    if (entry === undefined) return false;
    this.#listeners.delete(name);
    entry.listener.close();
    return true;
  }

  /** Starts the heartbeat; resolves when the reactor has stopped. */
  run(): Promise<void> {
    if (this.#running || this.#stopping) return this.#done;
    this.#running = true;
    this.#heartbeat = setInterval(this.#tick, this.#options.heartbeatIntervalMs);
    return this.#done;
  }

  /**
   * Graceful stop: closes the listeners, asks every connection to close with
   * reason `shutdown` (protocols may write a last line; queued bytes flush),
   * and aborts whatever is still open after `graceMs`. Resolves when stopped.
   */
  stop({ graceMs = 5000 }: { graceMs?: number } = {}): Promise<void> {
    if (this.#stopping) return this.#done;
    this.#stopping = true;
    this.#closeListeners();
    for (const conn of this.#pool.snapshot()) conn.close("shutdown");
    if (this.#pool.size === 0) this.#finishStop();
    else this.#graceTimer = setTimeout(() => this.abort(), graceMs);
    return this.#done;
  }

  /** Immediate stop: every connection closes now with reason `shutdown`. */
  abort(): Promise<void> {
    this.#stopping = true;
    this.#closeListeners();
    for (const conn of this.#pool.snapshot()) conn.expireClose();
    this.#finishStop();
    return this.#done;
  }

  /** Queues a completed read (of the `deno` transport) for the dispatcher. */
  readonly #schedule = (item: Dispatchable): void => {
    this.#ready.push(item);
    this.#scheduleTurn();
  };

  readonly #host: ConnectionHost = {
    now: () => this.#clock(),
    flushLater: (conn) => {
      this.#dirty.push(conn);
      this.#scheduleTurn();
    },
    touched: (conn) => {
      if (conn.lastActivity === conn.openedAt) this.#logFirstData(conn);
      this.#reaper.touch(conn, this.#clock());
    },
    closing: (conn) => {
      this.#reaper.untrack(conn);
      conn.closingSince = this.#clock();
      this.#closing.add(conn);
    },
    closed: (conn, reason) => this.#closed(conn, reason),
    handlerFailed: (conn, error) => {
      log.error("Protocol {listener} failed on connection {id}: {error}", {
        listener: conn.listenerName,
        id: conn.id,
        error,
      });
    },
  };

  #scheduleTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    queueMicrotask(this.#turn);
  }

  /** One dispatcher turn: a bounded number of reads, then one flush per dirty connection. */
  readonly #turn = (): void => {
    this.#turnScheduled = false;
    const ready = this.#ready;
    for (let budget = this.#options.dispatchBudget; budget > 0; budget--) {
      const item = ready.shift();
      if (item === undefined) break;
      item.dispatch();
    }
    const dirty = this.#dirty;
    if (dirty.length > 0) {
      this.#dirty = [];
      for (const conn of dirty) conn.flush();
    }
    if (ready.length > 0 && this.#backlogTimer === undefined) {
      // Normally the next completion starts the next turn; this only covers
      // the case where none is pending.
      this.#backlogTimer = setTimeout(() => {
        this.#backlogTimer = undefined;
        this.#scheduleTurn();
      }, 0);
    }
  };

  /** The heartbeat: reap idle connections, end graceful closes that stalled. */
  readonly #tick = (): void => {
    this.#now = this.#clock();
    this.#sweep();
    const lingerMs = this.#options.lingerMs;
    for (const conn of this.#closing) {
      if (this.#now - conn.closingSince >= lingerMs) conn.expireClose();
    }
  };

  readonly #idleActions: IdleActions<Connection> = {
    warn: (conn) => conn.warnIdle(),
    expire: (conn) => conn.close("idle"),
  };

  #sweep(): void {
    this.#sweepTimer = undefined;
    const handled = this.#reaper.sweep(this.#now, this.#idleActions, SWEEP_SLICE);
    if (handled === SWEEP_SLICE && this.#reaper.hasDue(this.#now) && !this.#stopped) {
      // More are due: continue right after the event loop has breathed.
      this.#sweepTimer = setTimeout(() => {
        this.#now = this.#clock();
        this.#sweep();
      }, 0);
    }
  }

  #acceptFailed(entry: ListenerEntry, error: unknown): void {
    if (entry.acceptFailures++ > 0) return;
    log.warn("Accepting on {listener} failed: {message}; retrying with backoff", {
      listener: entry.name,
      message: error instanceof Error ? error.message : String(error),
    });
  }

  #admit(transport: Transport, entry: ListenerEntry): void {
    const id = this.#pool.nextId();
    if (entry.acceptFailures > 0) {
      log.info("Accepting on {listener} again after {failures} failed attempts", {
        listener: entry.name,
        failures: entry.acceptFailures,
      });
      entry.acceptFailures = 0;
    }
    const max = this.#options.maxConnections;
    if (max > 0 && this.#pool.size >= max) {
      this.#refuse(id, transport, entry);
      return;
    }
    if (this.#refusedInBurst > 0) {
      log.info("Refused {count} connections at the limit of {max}", {
        count: this.#refusedInBurst,
        max,
      });
      this.#refusedInBurst = 0;
    }
    const conn = new Connection(
      id,
      entry.name,
      transport,
      entry.handler,
      this.#host,
      entry.buffers,
    );
    this.#stats.accepted++;
    this.#pool.add(conn);
    this.#reaper.track(conn, conn.openedAt);
    log.debug("Connection {id} accepted on {listener} from {peer}", {
      id,
      listener: entry.name,
      peer: formatAddr(transport.remoteAddr),
    });
    conn.open();
  }

  #refuse(id: number, transport: Transport, entry: ListenerEntry): void {
    this.#stats.refused++;
    this.#stats.closed.limit++;
    const peer = formatAddr(transport.remoteAddr);
    transport.close();
    const fields = {
      id,
      listener: entry.name,
      peer,
      reason: "limit",
      max: this.#options.maxConnections,
    };
    if (this.#refusedInBurst++ === 0) {
      log.warn("Connection {id} from {peer} refused: {max} connections are open (limit)", fields);
    } else {
      log.debug("Connection {id} from {peer} refused: limit", fields);
    }
  }

  #logFirstData(conn: Connection): void {
    log.info("Connection {id} open on {listener} from {peer}", {
      id: conn.id,
      listener: conn.listenerName,
      peer: formatAddr(conn.remoteAddr),
    });
  }

  #closed(conn: Connection, reason: CloseReason): void {
    this.#pool.delete(conn.id);
    this.#reaper.untrack(conn);
    this.#closing.delete(conn);
    this.#stats.closed[reason]++;
    const fields = {
      id: conn.id,
      listener: conn.listenerName,
      peer: formatAddr(conn.remoteAddr),
      reason,
      durationMs: Math.round(this.#clock() - conn.openedAt),
      bytesIn: conn.bytesIn,
      bytesOut: conn.bytesOut,
    };
    const message =
      "Connection {id} closed ({reason}) after {durationMs} ms, {bytesIn} bytes in, {bytesOut} bytes out";
    // Port scans and clients that leave without sending are normal: debug only.
    if (conn.bytesIn === 0 && (reason === "eof" || reason === "reset")) log.debug(message, fields);
    else log.info(message, fields);
    if (this.#stopping && this.#pool.size === 0) this.#finishStop();
  }

  #closeListeners(): void {
    for (const entry of this.#listeners.values()) entry.listener.close();
    this.#listeners.clear();
  }

  #finishStop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#sweepTimer);
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#backlogTimer);
    this.#resolveDone();
  }
}

/** `host:port`, with brackets around IPv6 hosts. */
export function formatAddr(addr: Deno.Addr): string {
  if (addr.transport !== "tcp" && addr.transport !== "udp") return addr.transport;
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}
