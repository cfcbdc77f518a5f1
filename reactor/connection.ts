import type { BufferOptions } from "./buffer_options.ts";
import { type CloseReason, isAbortive, isResetError } from "./close_reason.ts";
import type { Task } from "./dispatcher.ts";
import type { Conn, Handler } from "./handler.ts";
import type { TimeoutList, TimeoutNode } from "./timeout_list.ts";

/**
 * What the reactor uses of a connected socket: the part of `Deno.Conn` it
 * needs. `Deno.TcpConn` and `Deno.TlsConn` are streams as they are; tests
 * can pass an in-memory pair.
 */
export type Stream = Pick<Deno.Conn, "read" | "write" | "closeWrite" | "close" | "remoteAddr">;

/** Byte counters shared by every connection of one listener. */
export interface Traffic {
  /** Bytes received on the listener's connections. */
  bytesIn: number;
  /** Bytes written to the listener's connections. */
  bytesOut: number;
}

/** What a connection needs from the reactor that owns it. */
export interface ConnectionHost {
  /** Serves connections in fair turns. */
  enqueue(task: Task): void;
  /** Flushes a connection at the end of the turn. */
  markDirty(task: Task): void;
  /** Current clock time in milliseconds. */
  now(): number;
  /** Clock time at the start of the current dispatcher turn (one clock read per turn). */
  turnNow(): number;
  /** The idle timeout list: a connection waits here while open and quiet. */
  readonly idle: TimeoutList<Connection>;
  /** The linger list: a closing connection waits here for its peer. */
  readonly linger: TimeoutList<Connection>;
  /** Queued output grew (positive) or shrank (negative) by `bytes`: the server-wide budget. */
  account(conn: Connection, bytes: number): void;
  /** The connection's queue went above the high watermark (`true`) or drained (`false`). */
  congestion(conn: Connection, congested: boolean): void;
  /** A close was decided (before `onClose` runs). */
  closing(conn: Connection, reason: CloseReason): void;
  /** The socket is closed: the connection leaves the pool. */
  closed(conn: Connection): void;
  /** A protocol callback threw. */
  handlerFailed(conn: Connection, error: unknown): void;
}

const enum Phase {
  /** Reading and writing. */
  Open,
  /** Close decided: no more reads for the protocol, the queue is flushing. */
  Closing,
  /** FIN sent: reading and discarding until the peer's FIN. */
  Lingering,
  /** The socket is closed and the connection left the pool. */
  Closed,
}

/**
 * One accepted connection with its buffers: the bufferevent analogue.
 *
 * Reads: at most one `read` is pending, and only while the connection is
 * not waiting in the dispatcher's queue. A completed read queues the
 * connection; when the dispatcher serves it, the bytes go to the protocol
 * and the next read is armed. The read buffer starts small (an idle
 * connection keeps a read pending into it), grows four-fold while reads
 * fill it and shrinks when they get small. The protocol gets a view of it,
 * never a copy; if it writes that view (echo), the next read waits until
 * the write is done, as a plain read/write loop would, and nothing is
 * allocated per read.
 *
 * Writes: everything queued while the connection waits to be served goes
 * out in one `write`. Above the high watermark the connection stops reading
 * (TCP backpressure reaches the peer); at the low watermark it resumes and
 * the protocol hears `onDrain`. A write past the hard limit closes it as
 * `slow-consumer`, and so may the reactor's server-wide budget when this
 * connection is the furthest behind. Every accepted byte is written, or
 * the connection is reported closed with a reason.
 *
 * Close: one path. The decision (`close(reason)`) calls `onClose` once;
 * graceful reasons then flush, send FIN and read until the peer's FIN (so
 * the kernel never resets a connection with unread data), bounded by the
 * linger timeout; abortive reasons close the socket at once.
 */
export class Connection<S = unknown> implements Conn<S>, Task, TimeoutNode {
  readonly id: number;
  readonly listener: string;
  readonly remoteAddr: Deno.Addr;
  readonly openedAt: number;
  bytesIn = 0;
  bytesOut = 0;
  state!: S;
  queued = false;
  dirty = false;
  timeoutPrev: TimeoutNode | null = null;
  timeoutNext: TimeoutNode | null = null;
  timeoutList: TimeoutList<TimeoutNode> | null = null;
  timeoutSince = 0;

  readonly #stream: Stream;
  readonly #handler: Handler<S>;
  readonly #host: ConnectionHost;
  readonly #buffers: BufferOptions;
  readonly #traffic: Traffic;
  #phase = Phase.Open;
  #writable = true;

  #readSize: number;
  #buffer: Uint8Array | null = null;
  /** The read buffer is queued for writing (echo wrote what it read): no read into it until written. */
  #lent = false;
  #reading = false;
  /** A completed read waiting to be served: bytes read, or `null` for EOF. */
  #readResult: number | null | undefined = undefined;
  /** Bytes the protocol has not used yet (it stopped because of congestion). */
  #input: Uint8Array | null = null;
  #peerEnded = false;

  #chunks: Uint8Array[] = [];
  #queuedBytes = 0;
  #inFlight: Uint8Array | null = null;
  #congested = false;

  constructor(
    id: number,
    listener: string,
    stream: Stream,
    handler: Handler<S>,
    buffers: BufferOptions,
    traffic: Traffic,
    host: ConnectionHost,
  ) {
    this.id = id;
    this.listener = listener;
    this.#stream = stream;
    this.remoteAddr = stream.remoteAddr;
    this.#handler = handler;
    this.#buffers = buffers;
    this.#traffic = traffic;
    this.#host = host;
    this.#readSize = buffers.initialReadBytes;
    this.openedAt = host.now();
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  get congested(): boolean {
    return this.#congested;
  }

  get open(): boolean {
    return this.#writable;
  }

  write(bytes: Uint8Array): boolean {
    if (!this.#writable) return false;
    const n = bytes.length;
    if (n === 0) return true;
    if (this.#queuedBytes + n > this.#buffers.maxQueuedBytes) {
      this.close("slow-consumer");
      return false;
    }
    this.#chunks.push(bytes);
    if (this.#buffer !== null && bytes.buffer === this.#buffer.buffer) this.#lent = true;
    this.#queuedBytes += n;
    if (this.#inFlight === null) this.#host.markDirty(this);
    if (!this.#congested && this.#queuedBytes > this.#buffers.highWatermark) {
      this.#congested = true;
      this.#host.congestion(this, true);
    }
    this.#host.account(this, n);
    return this.#writable;
  }

  end(): void {
    // After the peer's FIN (a protocol with onEnd), closing is the peer's doing.
    this.close(this.#peerEnded ? "eof" : "server");
  }

  /** Starts the protocol (`onOpen`); the first serve flushes its greeting and arms the first read. */
  start(): void {
    this.#host.idle.add(this, this.openedAt);
    this.#call(() => {
      this.state = this.#handler.onOpen(this);
    });
    if (this.#phase !== Phase.Closed) this.#host.enqueue(this);
  }

  /**
   * Decides the close. Graceful reasons call `onClose` (which may still
   * write), then flush and linger; abortive ones close the socket now. Once
   * a close is decided, a later graceful request changes nothing and an
   * abortive one only cuts the flush short; the reason stays the first one.
   */
  close(reason: CloseReason): void {
    if (this.#phase === Phase.Closed) return;
    if (this.#phase !== Phase.Open) {
      if (isAbortive(reason)) this.#finish();
      return;
    }
    this.#phase = Phase.Closing;
    this.#input = null;
    this.#host.closing(this, reason);
    if (isAbortive(reason)) {
      this.#writable = false;
      this.#call(() => this.#handler.onClose?.(this, reason));
      this.#finish();
      return;
    }
    this.#call(() => this.#handler.onClose?.(this, reason));
    this.#writable = false;
    if (!this.#isClosed()) this.#host.markDirty(this);
  }

  /** The idle timeout passed: warn (the protocol's `onIdle`) and wait the grace, or close. */
  idle(grace: TimeoutList<Connection>, now: number): void {
    if (this.#phase !== Phase.Open) return;
    if (this.#handler.onIdle === undefined || grace.durationMs === 0) {
      this.close("idle");
      return;
    }
    this.#call(() => this.#handler.onIdle?.(this));
    if (this.#phase === Phase.Open) grace.add(this as Connection, now);
  }

  /** The linger time passed without progress: close the socket now. */
  expireLinger(): void {
    this.#finish();
  }

  /** Dispatcher callback: hands over what completed, then arms the next read. */
  serve(): void {
    if (this.#phase === Phase.Closed) return;
    if (this.#congested && this.#queuedBytes <= this.#buffers.lowWatermark) {
      this.#congested = false;
      this.#host.congestion(this, false);
      if (this.#phase === Phase.Open) this.#call(() => this.#handler.onDrain?.(this));
    }
    if (this.#readResult !== undefined) this.#takeRead();
    if (this.#input !== null && !this.#congested) this.#deliver();
    if (this.#isClosed()) return;
    if (this.#phase === Phase.Closing) this.#host.markDirty(this);
    this.#armRead();
  }

  /** Dispatcher callback at the end of a turn: one write of everything queued, or FIN. */
  flush(): void {
    if (this.#phase === Phase.Closed || this.#inFlight !== null) return;
    if (this.#queuedBytes > 0) this.#write();
    else if (this.#phase === Phase.Closing) this.#sendFin();
  }

  #takeRead(): void {
    const n = this.#readResult;
    this.#readResult = undefined;
    if (n === undefined) return;
    if (n === null) {
      this.#peerEnded = true;
      if (this.#phase === Phase.Lingering) this.#finish();
      else if (this.#phase === Phase.Open) {
        if (this.#handler.onEnd === undefined) this.close("eof");
        else this.#call(() => this.#handler.onEnd?.(this));
      }
      return;
    }
    const buffer = this.#buffer as Uint8Array;
    if (this.#phase !== Phase.Open) return; // lingering: discard
    const bytes = buffer.subarray(0, n);
    this.#adaptReadSize(n, buffer.length);
    this.bytesIn += n;
    this.#traffic.bytesIn += n;
    this.#host.idle.add(this, this.#host.turnNow());
    this.#input = bytes;
    this.#deliver();
  }

  /** Offers the unused input to the protocol until it has used all or stopped for congestion. */
  #deliver(): void {
    while (this.#input !== null && this.#phase === Phase.Open) {
      const input = this.#input;
      let used: number | void = undefined;
      try {
        used = this.#handler.onData(this, input);
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (used === undefined || used >= input.length) {
        this.#input = null;
        return;
      }
      if (this.#phase !== Phase.Open) return; // it ended the connection
      this.#input = input.subarray(Math.max(0, used));
      if (this.#congested) return;
      if (!(used > 0)) {
        this.#fail(new Error("onData used no bytes of its input while the connection could write"));
        return;
      }
    }
  }

  #adaptReadSize(n: number, size: number): void {
    const { initialReadBytes, maxReadBytes } = this.#buffers;
    let next = size;
    if (n === size && size < maxReadBytes) next = Math.min(size * 4, maxReadBytes);
    else if (size > initialReadBytes && n <= size >>> 4) {
      next = Math.max(size >>> 2, initialReadBytes);
    }
    if (next !== size) {
      this.#readSize = next;
      this.#buffer = null; // the next read gets a new buffer; the old one is only the handler's now
      this.#lent = false;
    }
  }

  #armRead(): void {
    if (this.#reading || this.#readResult !== undefined || this.#peerEnded) return;
    if (this.#phase === Phase.Open) {
      if (this.#congested || this.#input !== null || this.#lent) return;
    } else if (this.#phase !== Phase.Lingering) return;
    const buffer = this.#buffer ??= new Uint8Array(this.#readSize);
    this.#reading = true;
    this.#stream.read(buffer).then(this.#onRead, this.#onReadError);
  }

  readonly #onRead = (n: number | null): void => {
    this.#reading = false;
    if (this.#phase === Phase.Closed) return;
    this.#readResult = n;
    this.#host.enqueue(this);
  };

  readonly #onReadError = (error: unknown): void => {
    this.#reading = false;
    this.#failed(error);
  };

  /** A read or write failed: an open connection closes for that reason, a closing one is done. */
  #failed(error: unknown): void {
    if (this.#phase === Phase.Closed) return;
    if (this.#phase === Phase.Open) this.close(isResetError(error) ? "reset" : "error");
    else this.#finish();
  }

  #write(): void {
    const chunks = this.#chunks;
    let out: Uint8Array;
    if (chunks.length === 1) {
      out = chunks[0] as Uint8Array;
    } else {
      out = new Uint8Array(this.#queuedBytes);
      let offset = 0;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
      }
    }
    chunks.length = 0;
    // A copy frees the read buffer at once; otherwise it is free once written.
    if (this.#lent && out.buffer !== this.#buffer?.buffer) this.#releaseBuffer();
    this.#inFlight = out;
    this.#stream.write(out).then(this.#onWritten, this.#onWriteError);
  }

  /**
   * The read buffer is no longer queued for writing: the next read is armed
   * now, as a plain read/write loop arms it when its write completes.
   */
  #releaseBuffer(): void {
    this.#lent = false;
    if (this.#phase !== Phase.Closed) this.#armRead();
  }

  readonly #onWritten = (n: number): void => {
    const out = this.#inFlight as Uint8Array;
    this.#inFlight = null;
    if (this.#phase === Phase.Closed) return;
    this.bytesOut += n;
    this.#traffic.bytesOut += n;
    this.#queuedBytes -= n;
    this.#host.account(this, -n);
    if (n < out.length) this.#chunks.unshift(out.subarray(n));
    else if (this.#lent && out.buffer === this.#buffer?.buffer) this.#releaseBuffer();
    if (this.#phase !== Phase.Open) this.#host.linger.add(this, this.#host.now());
    if (this.#queuedBytes > 0 || this.#phase === Phase.Closing) this.#host.markDirty(this);
    if (this.#congested && this.#queuedBytes <= this.#buffers.lowWatermark) {
      this.#host.enqueue(this);
    }
  };

  readonly #onWriteError = (error: unknown): void => {
    this.#inFlight = null;
    this.#failed(error);
  };

  /** Everything is flushed after a graceful close: send FIN, then linger until the peer's. */
  #sendFin(): void {
    if (this.#peerEnded) {
      this.#finish();
      return;
    }
    this.#phase = Phase.Lingering;
    this.#host.linger.add(this, this.#host.now());
    this.#stream.closeWrite().catch(this.#onFinError);
    this.#armRead();
  }

  readonly #onFinError = (): void => {
    this.#finish();
  };

  /** A method, so that TypeScript does not narrow the phase across callbacks that change it. */
  #isClosed(): boolean {
    return this.#phase === Phase.Closed;
  }

  #fail(error: unknown): void {
    this.#host.handlerFailed(this as Connection, error);
    this.close("error");
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#fail(error);
    }
  }

  #finish(): void {
    if (this.#phase === Phase.Closed) return;
    this.#phase = Phase.Closed;
    this.#writable = false;
    this.#chunks.length = 0;
    if (this.#queuedBytes > 0) this.#host.account(this, -this.#queuedBytes);
    this.#queuedBytes = 0;
    if (this.#congested) this.#host.congestion(this, false);
    this.#input = null;
    this.#buffer = null;
    try {
      this.#stream.close();
    } catch {
      // Already closed by Deno after an error.
    }
    this.#host.closed(this as Connection);
  }
}
