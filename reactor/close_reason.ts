/**
 * Why a connection ended. Every close passes through one place in the
 * reactor, which reports exactly one of these.
 *
 * - `eof`: the peer closed its sending side and everything it sent was handled.
 * - `reset`: the peer reset the connection (ECONNRESET, EPIPE).
 * - `error`: any other I/O error.
 * - `idle`: no inbound data for longer than the idle timeout.
 * - `limit`: refused at accept time because of `maxConnections`.
 * - `shutdown`: the server is stopping.
 * - `server`: the protocol handler decided to close (for example `/quit`).
 * - `slow-consumer`: the peer did not read and its write queue hit its hard limit.
 */
export type CloseReason =
  | "eof"
  | "reset"
  | "error"
  | "idle"
  | "limit"
  | "shutdown"
  | "server"
  | "slow-consumer";

/**
 * Reasons after which nothing more can be written: the connection is closed
 * at once instead of flushing its write queue first.
 */
export function isAbortive(reason: CloseReason): boolean {
  return reason === "reset" || reason === "error" || reason === "slow-consumer" ||
    reason === "limit";
}
