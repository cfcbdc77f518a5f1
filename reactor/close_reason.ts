/**
 * Why a connection ended. Every close passes through one place in the
 * reactor, which reports exactly one of these.
 *
 * - `eof`: the peer closed its sending side and everything it sent was handled.
 * - `reset`: the peer reset the connection (ECONNRESET, EPIPE).
 * - `error`: any other I/O error, or a protocol callback that threw.
 * - `idle`: no inbound data for the idle timeout (plus the grace, if the protocol warns).
 * - `shutdown`: the server is stopping.
 * - `server`: the protocol decided to close (`conn.end()`, for example on `/quit`).
 * - `slow-consumer`: the peer did not read and its write queue hit its hard limit.
 *
 * Only `server` is a protocol's to choose; the reactor decides the others.
 */
export type CloseReason =
  | "eof"
  | "reset"
  | "error"
  | "idle"
  | "shutdown"
  | "server"
  | "slow-consumer";

/** Every close reason, for counters that start at zero. */
export const CLOSE_REASONS: readonly CloseReason[] = [
  "eof",
  "reset",
  "error",
  "idle",
  "shutdown",
  "server",
  "slow-consumer",
];

/**
 * Reasons after which nothing more can be written: the socket is closed at
 * once instead of flushing its write queue first.
 */
export function isAbortive(reason: CloseReason): boolean {
  return reason === "reset" || reason === "error" || reason === "slow-consumer";
}

/** Whether an I/O error means the peer reset or vanished. */
export function isResetError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected;
}
