import type { CloseReason } from "./close_reason.ts";
import type { Connection } from "./connection.ts";

/**
 * A protocol, written as plain callbacks (gnet's `OnTraffic`, libevent's
 * bufferevent callbacks). The reactor calls them one at a time from its
 * dispatcher; they never await Deno I/O. `S` is the protocol's state for one
 * connection: `onOpen` returns it and the reactor keeps it in `conn.state`.
 *
 * A callback that throws is a bug in the protocol: the reactor logs it and
 * closes that connection with reason `error`; other connections go on.
 */
export interface Handler<S = unknown> {
  /** A connection was accepted. Returns its protocol state; may write a greeting. */
  onOpen(conn: Connection<S>): S;
  /**
   * Bytes arrived. They belong to the handler: it may keep them or pass
   * them straight to `write()` (echo does, without a copy).
   */
  onData(conn: Connection<S>, bytes: Uint8Array): void;
  /**
   * The write queue went above the high watermark and has now drained to the
   * low watermark; reading has resumed.
   */
  onDrain?(conn: Connection<S>): void;
  /**
   * The connection has been idle for the idle timeout. Write a warning here;
   * if the peer stays silent for the idle grace period it is closed with
   * reason `idle`. Without this callback, idle connections close at once.
   */
  onIdleWarning?(conn: Connection<S>): void;
  /**
   * A graceful close has begun (`eof`, `idle`, `shutdown`, `server`): the
   * last chance to write (a goodbye line, a final unterminated line). Queued
   * bytes are flushed before the socket closes. Not called for abortive
   * closes (`reset`, `error`, `slow-consumer`, `limit`).
   */
  onClosing?(conn: Connection<S>, reason: CloseReason): void;
  /** The connection is closed and out of the pool. Called exactly once. */
  onClose?(conn: Connection<S>, reason: CloseReason): void;
}
