import { getLogger } from "@logtape/logtape";
import { type CloseReason, type Conn, formatAddr, type Handler } from "../reactor/mod.ts";

const log = getLogger(["echochat", "connection"]);

/**
 * How long a connection that never sent a byte must have stayed to be
 * logged at info when it closes: shorter ones are port scans, health checks
 * and clients that reset during the greeting.
 */
export const SCAN_WINDOW_MS = 1000;

/** What a protocol adds to a connection's close line (nick, room, why). */
export type CloseDetails<S> = (conn: Conn<S>, reason: CloseReason) => Record<string, unknown>;

/**
 * The connection log policy, as a wrapper around a protocol's handler: one
 * line at info when a connection first sends data, one when its close is
 * decided (reason, duration, bytes, and the protocol's details). A
 * connection that never sent a byte and left or failed within
 * {@link SCAN_WINDOW_MS} is logged at debug only: scans, health checks and
 * resets during the greeting must not flood the log. `labels` go into
 * every record (a worker thread names itself).
 */
export function withConnectionLog<S>(
  handler: Handler<S>,
  now: () => number,
  details?: CloseDetails<S>,
  labels: Record<string, unknown> = {},
): Handler<S> {
  const fields = (conn: Conn) => ({ ...labels, ...connectionFields(conn) });
  return {
    ...handler,
    onOpen(conn: Conn<S>): S {
      log.debug("Connection {id} accepted on {listener} from {peer}", fields(conn));
      return handler.onOpen(conn);
    },
    onData(conn: Conn<S>, bytes: Uint8Array): number | void {
      if (conn.bytesIn === bytes.length) {
        log.info("Connection {id} open on {listener} from {peer}", fields(conn));
      }
      return handler.onData(conn, bytes);
    },
    onClose(conn: Conn<S>, reason: CloseReason): void {
      handler.onClose?.(conn, reason);
      const durationMs = Math.round(now() - conn.openedAt);
      const record = {
        ...fields(conn),
        reason,
        why: reason,
        ...details?.(conn, reason),
        durationMs,
        bytesIn: conn.bytesIn,
        bytesOut: conn.bytesOut + conn.queuedBytes,
      };
      const message =
        "Connection {id} on {listener} closed ({why}) after {durationMs} ms, {bytesIn} bytes in, {bytesOut} bytes out";
      if (isScan(conn, reason, durationMs)) log.debug(message, record);
      else log.info(message, record);
    },
  };
}

/** A connection that sent nothing and left (or failed) at once: a scan or a health check. */
function isScan(conn: Conn, reason: CloseReason, durationMs: number): boolean {
  return conn.bytesIn === 0 && durationMs < SCAN_WINDOW_MS &&
    (reason === "eof" || reason === "reset" || reason === "error");
}

function connectionFields(conn: Conn): Record<string, unknown> {
  return { id: conn.id, listener: conn.listener, peer: formatAddr(conn.remoteAddr) };
}
