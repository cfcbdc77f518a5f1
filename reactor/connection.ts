import type { ActivityList, ActivityNode } from "./activity_list.ts";
import type { BufferOptions } from "./buffer_options.ts";
import { type CloseReason, isAbortive } from "./close_reason.ts";
import type { Handler } from "./handler.ts";
import type { Reapable } from "./idle_reaper.ts";
import { isResetError, type Transport, type TransportEvents } from "./transport.ts";

/** What a connection needs from the reactor that owns it. */
export interface ConnectionHost {
  /** Current clock time in milliseconds. */
  now(): number;
  /** Bytes were queued: flush them at the end of this dispatcher turn. */
  flushLater(conn: Connection): void;
  /** Inbound data arrived (the idle reaper's activity signal). */
  touched(conn: Connection): void;
  /** A graceful close began: stop idle tracking, start the linger clock. */
  closing(conn: Connection): void;
  /** The socket is closed: remove the entry from the pool and report it. */
  closed(conn: Connection, reason: CloseReason): void;
  /** A protocol callback threw. */
  handlerFailed(conn: Connection, error: unknown): void;
}

const enum Phase {
  /** Reading and writing. */
  Open,
  /** Close requested: no more reads, queued bytes are flushing. */
  Closing,
  /** Our FIN is sent: reading and discarding until the peer's FIN. */
  Lingering,
  /** The socket is closed and the entry left the pool. */
  Closed,
}

/**
 * One accepted TCP connection with its write queue: the bufferevent analogue.
 *
 * Writes: `write()` queues bytes; everything queued during one dispatcher
 * turn goes out in one transport write. Above `highWatermark` queued bytes
 * the connection stops reading (TCP backpressure reaches the peer); at
 * `lowWatermark` it resumes and the handler hears `onDrain`. A write past
 * `maxQueuedBytes` closes the connection as `slow-consumer`. Every byte
 * accepted by `write()` is written, or the connection is reported closed
 * with a reason.
 *
 * Close: `close(reason)` is the single way out. Graceful reasons flush the
 * queue, send FIN, and read (discarding) until the peer's FIN, so the kernel
 * never resets the connection on unread data and the peer gets every byte;
 * the reactor bounds that wait. Abortive reasons close at once.
 */
export class Connection<S = unknown> implements Reapable, TransportEvents {
  /** The reactor-assigned id: unique in this process, never reused. */
  readonly id: number;
  /** Name of the listener (protocol) that accepted this connection. */
  readonly listenerName: string;
  /** Clock time of the accept. */
  readonly openedAt: number;
  /** Clock time of the last inbound byte (or the accept). */
  lastActivity: number;
  /** Bytes received and handed to the protocol. */
  bytesIn = 0;
  /** Bytes written to the socket. */
  bytesOut = 0;
  /** Bytes read and dropped while closing. */
  bytesDiscarded = 0;
  /** The protocol's state for this connection, as returned by `onOpen`. */
  state!: S;

  /** @internal idle reaper bookkeeping */
  idleWarnedAt = 0;
  /** @internal */
  activityPrev: ActivityNode | null = null;
  /** @internal */
  activityNext: ActivityNode | null = null;
  /** @internal */
  activityList: ActivityList<ActivityNode> | null = null;
  /** @internal clock time of the last progress while closing */
  closingSince = 0;

  readonly #transport: Transport;
  readonly #handler: Handler<S>;
  readonly #host: ConnectionHost;
  readonly #options: BufferOptions;
  #phase = Phase.Open;
  #reason: CloseReason | null = null;
  #acceptsWrites = true;
  #peerEnded = false;
  #paused = false;

  #chunks: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #inFlightBytes = 0;
  #flushPending = false;

  constructor(
    id: number,
    listenerName: string,
    transport: Transport,
    handler: Handler<S>,
    host: ConnectionHost,
    options: BufferOptions,
  ) {
    this.id = id;
    this.listenerName = listenerName;
    this.#transport = transport;
    this.#handler = handler;
    this.#host = host;
    this.#options = options;
    this.openedAt = host.now();
    this.lastActivity = this.openedAt;
  }

  /** The peer's address. */
  get remoteAddr(): Deno.NetAddr {
    return this.#transport.remoteAddr;
  }

  /** Bytes accepted by `write()` and not yet written to the socket. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** Whether the connection still accepts writes. */
  get writable(): boolean {
    return this.#acceptsWrites;
  }

  /** Whether the connection is fully closed. */
  get closed(): boolean {
    return this.#phase === Phase.Closed;
  }

  /** Why the connection closed or is closing, once it is. */
  get closeReason(): CloseReason | null {
    return this.#reason;
  }

  /**
   * Queues bytes for writing and returns whether they were accepted. The
   * connection keeps a reference until they are written: do not modify them
   * afterwards (one encoded line can be written to many connections).
   * Returns `false` once the connection is closing, or when the bytes would
   * pass `maxQueuedBytes`, which closes it as `slow-consumer`.
   */
  write(bytes: Uint8Array): boolean {
    if (!this.#acceptsWrites) return false;
    if (bytes.length === 0) return true;
    if (this.#queued + bytes.length > this.#options.maxQueuedBytes) {
      this.close("slow-consumer");
      return false;
    }
    this.#chunks.push(bytes);
    this.#queued += bytes.length;
    if (this.#queued > this.#options.highWatermark && !this.#paused) {
      this.#paused = true;
      if (this.#phase === Phase.Open) this.#transport.pauseReading();
    }
    if (!this.#writing && !this.#flushPending) {
      this.#flushPending = true;
      this.#host.flushLater(this);
    }
    return true;
  }

  /**
   * Closes the connection. Graceful reasons (`server`, `idle`, `shutdown`,
   * `eof`) call `onClosing`, flush what is queued, then close; abortive ones
   * close at once. Calling it again only upgrades a graceful close to an
   * abortive one; the connection reports exactly one reason.
   */
  close(reason: CloseReason = "server"): void {
    if (this.#phase === Phase.Closed) return;
    if (isAbortive(reason)) {
      this.#finish(reason);
      return;
    }
    if (this.#phase !== Phase.Open) return;
    this.#phase = Phase.Closing;
    this.#reason = reason;
    this.#host.closing(this);
    this.#call(() => this.#handler.onClosing?.(this, reason));
    this.#acceptsWrites = false;
    if (this.#phase !== Phase.Closing) return;
    if (!this.#peerEnded) this.#transport.pauseReading();
    if (!this.#writing && this.#queued === 0) this.#writesDone();
  }

  /** @internal Calls `onOpen` and starts reading. */
  open(): void {
    this.#transport.attach(this);
    this.#call(() => {
      this.state = this.#handler.onOpen(this);
    });
    if (this.#phase === Phase.Open && !this.#paused) this.#transport.resumeReading();
  }

  /** @internal Calls `onIdleWarning` if the protocol has it; returns whether it did. */
  warnIdle(): boolean {
    if (this.#handler.onIdleWarning === undefined || this.#phase !== Phase.Open) return false;
    this.#call(() => this.#handler.onIdleWarning?.(this));
    return this.#phase === Phase.Open;
  }

  /** @internal Writes everything queued in one transport write. */
  flush(): void {
    this.#flushPending = false;
    if (this.#writing || this.#queued === 0 || this.#phase === Phase.Closed) return;
    const chunks = this.#chunks;
    let out: Uint8Array;
    if (chunks.length === 1) {
      out = chunks[0]!;
    } else {
      out = new Uint8Array(this.#queued);
      let offset = 0;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
      }
    }
    chunks.length = 0;
    this.#writing = true;
    this.#inFlightBytes = out.length;
    this.#transport.write(out);
  }

  /** @internal Ends a graceful close that took too long. */
  expireClose(): void {
    this.#finish(this.#reason ?? "shutdown");
  }

  /** @internal Transport event: bytes arrived. */
  onData(bytes: Uint8Array): void {
    if (this.#phase !== Phase.Open) {
      this.bytesDiscarded += bytes.length;
      return;
    }
    this.bytesIn += bytes.length;
    this.#host.touched(this);
    try {
      this.#handler.onData(this, bytes);
    } catch (error) {
      this.#host.handlerFailed(this as Connection, error);
      this.#finish("error");
    }
  }

  /** @internal Transport event: the peer sent FIN. */
  onEnd(): void {
    if (this.#peerEnded) return;
    this.#peerEnded = true;
    if (this.#phase === Phase.Open) this.close("eof");
    else if (this.#phase === Phase.Lingering) this.#finish(this.#reason ?? "eof");
  }

  /** @internal Transport event: the write in flight finished. */
  onWritten(error?: unknown): void {
    this.#written(error);
  }

  /** @internal Transport event: an I/O error. */
  onError(error: unknown): void {
    if (this.#phase === Phase.Closed) return;
    if (this.#phase === Phase.Lingering) this.#finish(this.#reason ?? "reset");
    else this.#finish(isResetError(error) ? "reset" : "error");
  }

  #written(error: unknown): void {
    this.#writing = false;
    if (this.#phase === Phase.Closed) return;
    if (error !== undefined) {
      this.onError(error);
      return;
    }
    const n = this.#inFlightBytes;
    this.bytesOut += n;
    this.#queued -= n;
    if (this.#phase !== Phase.Open) this.closingSince = this.#host.now();
    if (this.#queued > 0) {
      this.flush();
    } else if (this.#phase === Phase.Closing) {
      this.#writesDone();
      return;
    }
    if (this.#paused && this.#queued <= this.#options.lowWatermark) {
      this.#paused = false;
      this.#call(() => this.#handler.onDrain?.(this));
      if (this.#phase === Phase.Open) this.#transport.resumeReading();
    }
  }

  /** Everything is flushed after a graceful close: send FIN, then linger. */
  #writesDone(): void {
    if (this.#peerEnded) {
      this.#finish(this.#reason ?? "eof");
      return;
    }
    this.#phase = Phase.Lingering;
    this.#transport.shutdownWrite((error) => {
      if (error !== undefined) this.#finish(this.#reason ?? "shutdown");
      else if (this.#phase === Phase.Lingering) this.#transport.resumeReading();
    });
  }

  #finish(reason: CloseReason): void {
    if (this.#phase === Phase.Closed) return;
    this.#phase = Phase.Closed;
    this.#reason = reason;
    this.#acceptsWrites = false;
    this.#chunks.length = 0;
    this.#transport.close();
    this.#host.closed(this as Connection, reason);
    this.#call(() => this.#handler.onClose?.(this, reason));
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#host.handlerFailed(this as Connection, error);
      this.#finish("error");
    }
  }
}
