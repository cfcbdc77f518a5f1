import type { CloseReason } from "./close_reason.ts";

/**
 * A connection as a protocol sees it: who it is, what it costs, and the two
 * things a protocol may do to it (write, end). The reactor's own machinery
 * (read arming, timeouts, the close path) stays out of reach.
 */
export interface Conn<S = unknown> {
  /** The reactor-assigned id: unique in this process, never reused. */
  readonly id: number;
  /** Name of the listener that accepted it, e.g. `echo` or `chat-tls`. */
  readonly listener: string;
  /** The peer's address. */
  readonly remoteAddr: Deno.Addr;
  /** Clock time of the accept, in milliseconds. */
  readonly openedAt: number;
  /** Bytes received and handed to the protocol. */
  readonly bytesIn: number;
  /** Bytes written to the socket. */
  readonly bytesOut: number;
  /** Bytes accepted by `write()` and not yet written to the socket. */
  readonly queuedBytes: number;
  /**
   * True while the write queue is above the high watermark. Reading is
   * paused meanwhile; a protocol whose output outgrows its input stops here
   * (see {@link Handler.onData}).
   */
  readonly congested: boolean;
  /** False once the connection is closing: writes are refused from then on. */
  readonly open: boolean;
  /** The protocol's state for this connection, as returned by `onOpen`. */
  state: S;
  /**
   * Queues bytes and returns whether they were accepted. Everything queued
   * during one dispatcher turn goes out in one socket write. The reactor
   * keeps a reference until the bytes are written: do not modify them
   * afterwards (one encoded line may be written to many connections).
   * Returns `false` once the connection is closing, or when the bytes would
   * pass the hard limit, which closes it as `slow-consumer`.
   */
  write(bytes: Uint8Array): boolean;
  /**
   * Closes gracefully with reason `server` (`eof` after the peer's FIN):
   * `onClose` runs at once (the last
   * chance to write), then the queue is flushed, FIN is sent and the socket
   * closes once the peer has finished, within the linger time.
   */
  end(): void;
}

/**
 * A protocol, written as plain callbacks (gnet's `OnTraffic`, libevent's
 * bufferevent callbacks). The reactor calls them one at a time; they never
 * await I/O. `S` is the protocol's state for one connection.
 *
 * A callback that throws is a bug in the protocol: the reactor reports it
 * and closes that connection with reason `error`; others go on.
 */
export interface Handler<S = unknown> {
  /** A connection was accepted. Returns its protocol state; may write a greeting. */
  onOpen(conn: Conn<S>): S;
  /**
   * Bytes arrived: a view of the connection's read buffer, valid until this
   * call returns. Pass them straight to `write()` (echo does, without a
   * copy: the next read then waits until they are written), or copy what
   * you keep.
   *
   * Returns how many bytes it used; nothing (or `bytes.length`) means all. A
   * protocol whose output can outgrow its input (an echo with a prefix)
   * stops once `conn.congested` turns true and returns what it used: the
   * rest is offered again, before anything new is read, once the peer has
   * read enough for the queue to drop to the low watermark.
   */
  onData(conn: Conn<S>, bytes: Uint8Array): number | void;
  /**
   * The peer sent FIN: nothing more will arrive, but the connection can
   * still write. Without this callback the connection closes at once with
   * reason `eof`; with it, the protocol finishes what it has (answers that
   * come later, say) and calls `conn.end()` itself, which then closes with
   * reason `eof`. The idle timeout still bounds how long it may take.
   */
  onEnd?(conn: Conn<S>): void;
  /** The write queue went above the high watermark and has drained to the low one. */
  onDrain?(conn: Conn<S>): void;
  /**
   * No inbound byte for the idle timeout. Warn or probe the peer here; if it
   * stays silent for the idle grace it is closed with reason `idle`. Any
   * inbound byte (a probe's answer too) makes it active again. Without this
   * callback, or with no grace, idle connections close at once.
   */
  onIdle?(conn: Conn<S>): void;
  /**
   * The connection is closing, for `reason`; called exactly once, at the
   * moment the close is decided. For graceful reasons (`eof`, `idle`,
   * `shutdown`, `server`) writes are still accepted during this call (a
   * goodbye line), flushed before FIN; after it returns they are refused.
   * For abortive reasons (`reset`, `error`, `slow-consumer`) nothing can be
   * written. The socket may stay open a little longer while it drains.
   */
  onClose?(conn: Conn<S>, reason: CloseReason): void;
}
