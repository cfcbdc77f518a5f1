import { AcceptLoop } from "./accept_loop.ts";
import { type Clock, monotonicClock } from "./clock.ts";
import { Connection, type ConnectionHost, type Stream } from "./connection.ts";
import { Dispatcher } from "./dispatcher.ts";
import {
  ListenerRegistry,
  type ListenerStats,
  type ListenOptions,
  type Protocol,
} from "./listener_registry.ts";
import { ConnectionPool } from "./pool.ts";
import {
  type Admission,
  DEFAULT_REACTOR_OPTIONS,
  DEFAULT_STOP_GRACE_MS,
  type ReactorObserver,
  type ReactorOptions,
  type StopSummary,
} from "./reactor_options.ts";
import { TimeoutList } from "./timeout_list.ts";

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
  readonly #options: Readonly<
    Required<Omit<ReactorOptions, "clock" | "observer" | "admission" | "connectionIds">>
  >;
  readonly #admission: Admission | undefined;
  readonly #congested = new Set<Connection>();
  #queuedTotal = 0;
  readonly #clock: Clock;
  readonly #observer: ReactorObserver;
  readonly #dispatcher: Dispatcher;
  readonly #pool: ConnectionPool<Connection>;
  readonly #listeners = new ListenerRegistry();
  /** Names of the listeners bound with TLS (see `replaceTls`). */
  readonly #tls = new Set<string>();
  /** Names of the listeners that share their port (`reusePort`), rebound the same way. */
  readonly #reusePort = new Set<string>();
  readonly #idle: TimeoutList<Connection>;
  readonly #grace: TimeoutList<Connection>;
  readonly #linger: TimeoutList<Connection>;
  readonly #host: ConnectionHost;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #stopDeadline = Infinity;
  #turnNow = 0;
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
    this.#admission = options.admission;
    this.#pool = new ConnectionPool(options.connectionIds);
    this.#dispatcher = new Dispatcher(
      this.#options.dispatchBudget,
      () => {
        this.#turnNow = this.#clock();
      },
      (task, error) => {
        // A bug below the protocols: report it, and close that connection only.
        const conn = task as Connection;
        try {
          this.#observer.handlerFailed?.(conn, error);
        } finally {
          conn.close("error");
        }
      },
    );
    this.#idle = new TimeoutList(this.#options.idleTimeoutMs);
    this.#grace = new TimeoutList(this.#options.idleGraceMs);
    this.#linger = new TimeoutList(this.#options.lingerMs);
    this.#host = {
      enqueue: (task) => this.#dispatcher.enqueue(task),
      markDirty: (task) => this.#dispatcher.markDirty(task),
      now: () => this.#clock(),
      turnNow: () => this.#turnNow,
      idle: this.#idle,
      linger: this.#linger,
      account: (_conn, bytes) => {
        this.#queuedTotal += bytes;
        if (bytes > 0) this.#enforceBudget();
      },
      congestion: (conn, congested) => {
        if (congested) this.#congested.add(conn);
        else this.#congested.delete(conn);
      },
      closing: (conn, reason) => {
        this.#linger.add(conn, this.#clock());
        this.#listeners.get(conn.listener).stats.closed[reason]++;
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

  /** Bytes of unsent output held for all connections. */
  get queuedBytes(): number {
    return this.#queuedTotal;
  }

  /** Connections waiting for the dispatcher. */
  get backlog(): number {
    return this.#dispatcher.backlog;
  }

  /** Whether a stop, graceful or not, has begun (health checks report it). */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Counters of every listener (and of `add`ed streams, under their listener name). */
  stats(): ListenerStats[] {
    return this.#listeners.stats();
  }

  /**
   * Binds a listener and starts accepting on it. Throws Deno's bind error
   * (`AddrInUse`, `PermissionDenied`, ...) when it cannot bind. Returns the
   * bound address (which tells the port the OS picked for port 0).
   */
  listen<S>(options: ListenOptions<S>): Deno.NetAddr {
    if (this.#stopping) throw new Error("The reactor is stopping: it cannot listen any more");
    if (this.#listeners.has(options.name)) {
      throw new RangeError(`A listener named ${options.name} already exists`);
    }
    const { hostname, port, reusePort = false } = options;
    const listener = options.tls === undefined
      ? Deno.listen({ hostname, port, reusePort })
      : Deno.listenTls({ hostname, port, reusePort, ...options.tls });
    const name = options.name;
    const loop = this.#acceptLoop(name, listener);
    this.#listeners.add(
      name,
      options.protocol as Protocol<unknown>,
      listener.addr as Deno.NetAddr,
      loop,
    );
    if (options.tls !== undefined) this.#tls.add(name);
    if (reusePort) this.#reusePort.add(name);
    loop.run();
    return listener.addr as Deno.NetAddr;
  }

  /**
   * Serves new connections of the TLS listener `name` with another
   * certificate chain and key. Deno cannot change the certificate of a live
   * TLS listener, so this closes the listener, waits until its socket is
   * released, and binds a new one on the same address and port under the
   * same name, protocol and counters. Open connections keep their sessions.
   *
   * Between the close and the bind (a few event-loop turns) the port is not
   * listening: connection attempts are refused, and connections the kernel
   * had queued but not yet handed over are reset. Validate the certificate
   * first (a bad one makes the bind throw, leaving the listener closed).
   * Throws Deno's bind error if the address cannot be bound again, and a
   * `RangeError` if `name` is not a TLS listener that is accepting.
   * Resolves with the bound address, or `null` if the reactor began
   * stopping meanwhile (nothing is bound then).
   */
  async replaceTls(name: string, tls: { cert: string; key: string }): Promise<Deno.NetAddr | null> {
    const entry = this.#listeners.has(name) ? this.#listeners.get(name) : undefined;
    const loop = entry?.loop;
    const addr = entry?.stats.addr;
    if (entry === undefined || loop == null || addr == null || !this.#tls.has(name)) {
      throw new RangeError(`No TLS listener named ${name} is accepting connections`);
    }
    entry.loop = null;
    await loop.close();
    if (this.#stopping) return null;
    const listener = Deno.listenTls({
      hostname: addr.hostname,
      port: addr.port,
      reusePort: this.#reusePort.has(name),
      ...tls,
    });
    entry.loop = this.#acceptLoop(name, listener);
    entry.loop.run();
    return listener.addr;
  }

  /**
   * Serves an already connected stream with `protocol`, as if `name` had
   * accepted it (libevent's `bufferevent_socket_new` on an existing socket;
   * tests pass one end of an in-memory pair). Returns false when refused.
   */
  add<S>(name: string, protocol: Protocol<S>, stream: Stream): boolean {
    if (!this.#listeners.has(name)) {
      this.#listeners.add(name, protocol as Protocol<unknown>, null, null);
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
   * wait has run out, then lets each protocol do its timed work. The
   * interval timer calls it; tests that inject a clock call it after moving
   * the clock. Costs O(k + 1) for k expiries, plus the protocols' ticks.
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
    for (const protocol of this.#listeners.protocols()) protocol.tick?.(now);
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
    this.#listeners.closeAll();
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
    this.#listeners.closeAll();
    for (const conn of this.#pool.snapshot()) {
      conn.close("shutdown");
      conn.expireLinger();
    }
    this.#finishStop();
    return this.#done;
  }

  /** An accept loop that admits `listener`'s connections under `name`. */
  #acceptLoop(name: string, listener: Deno.Listener): AcceptLoop {
    return new AcceptLoop(listener, {
      accepted: (conn) => this.#admit(conn, name),
      failed: (error, kind, failures) => this.#observer.acceptFailed?.(name, error, kind, failures),
      resumed: (failures) => this.#observer.acceptResumed?.(name, failures),
    });
  }

  #admit(stream: Stream, name: string): boolean {
    const entry = this.#listeners.get(name);
    const max = this.#options.maxConnections;
    if (this.#stopping) {
      refuse(stream, undefined);
      return false;
    }
    const full = max > 0 && this.#pool.size >= max;
    const reason = full ? "limit" : this.#admission?.admit(name, stream.remoteAddr) ?? null;
    if (reason !== null) {
      entry.stats.refused++;
      this.#observer.refused?.(name, stream.remoteAddr, reason);
      refuse(stream, full ? entry.protocol.refusal : undefined);
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

  /**
   * Past the output budget, closes the congested connection with the most
   * queued bytes until the total is back under (O(k) in the k congested
   * connections per close). Healthy connections are never closed for it:
   * without congested ones, the total is bounded by the connection limit.
   */
  #enforceBudget(): void {
    const budget = this.#options.maxQueuedBytesTotal;
    while (budget > 0 && this.#queuedTotal > budget && this.#congested.size > 0) {
      let furthest: Connection | null = null;
      for (const conn of this.#congested) {
        if (furthest === null || conn.queuedBytes > furthest.queuedBytes) furthest = conn;
      }
      const victim = furthest as Connection;
      this.#congested.delete(victim);
      this.#observer.shed?.(victim, this.#queuedTotal);
      victim.close("slow-consumer");
    }
  }

  #closed(conn: Connection): void {
    this.#pool.delete(conn.id);
    this.#admission?.release(conn.listener, conn.remoteAddr);
    conn.timeoutList?.remove(conn);
    this.#listeners.get(conn.listener).stats.open--;
    if (this.#stopping) {
      if (this.#aborting) this.#summary.cutOff++;
      else this.#summary.graceful++;
      if (this.#pool.size === 0) this.#finishStop();
    } else {
      this.#listeners.retryAll();
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
