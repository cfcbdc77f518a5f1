/**
 * The byte stream under a {@link Connection}, so that the reactor's logic
 * (pool, write queue, watermarks, close path) is the same whichever I/O
 * model Deno offers underneath.
 *
 * Two implementations exist: `node` (Deno's `node:net`, a native
 * readiness-based handle: fair under load and with no read buffer held by
 * idle connections) and `deno` (`Deno.listen`/`Deno.Conn` completion ops,
 * served through the reactor's bounded dispatcher).
 *
 * @module
 */

/** What a transport reports to its connection. */
export interface TransportEvents {
  /** Bytes arrived. They belong to the receiver: no transport reuses them. */
  onData(bytes: Uint8Array): void;
  /** The peer closed its sending side (FIN). */
  onEnd(): void;
  /** The write in flight finished (with the error if it failed). */
  onWritten(error?: unknown): void;
  /** An I/O error: the transport is unusable. */
  onError(error: unknown): void;
}

/** One accepted TCP connection, as the reactor drives it. */
export interface Transport {
  /** The peer's address. */
  readonly remoteAddr: Deno.NetAddr;
  /** Connects the transport to its connection; no events arrive before. */
  attach(events: TransportEvents): void;
  /** Starts or resumes delivering inbound bytes. */
  resumeReading(): void;
  /** Stops reading until resumed, so TCP backpressure reaches the peer. */
  pauseReading(): void;
  /**
   * Writes all of `bytes`, then reports `onWritten`. The caller issues one
   * write at a time.
   */
  write(bytes: Uint8Array): void;
  /** Sends FIN once written bytes are out; reading goes on. */
  shutdownWrite(done: (error?: unknown) => void): void;
  /** Closes at once. Idempotent; no events follow. */
  close(): void;
}

/** A bound listening socket. */
export interface TransportListener {
  /** The bound address (tells the port the OS chose for port 0). */
  readonly addr: Deno.NetAddr;
  /** Stops accepting. Idempotent. */
  close(): void;
}

/** What a listener reports to the reactor. */
export interface ListenerEvents {
  /** A connection was accepted. */
  onAccept(transport: Transport): void;
  /** Accepting failed (for example too many open files); the listener retries. */
  onAcceptError(error: unknown): void;
}

/** Something the dispatcher can run later, in FIFO order. */
export interface Dispatchable {
  /** Hands a completed read to its connection. */
  dispatch(): void;
}

/** Which I/O model to use. */
export type TransportKind = "node" | "deno";

/** Whether an I/O error means the peer reset or vanished. */
export function isResetError(error: unknown): boolean {
  if (
    error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted
  ) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED";
}
