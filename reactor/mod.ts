/**
 * The protocol-agnostic core of echochat: a reactor over `Deno.listen` /
 * `Deno.Conn`, its buffered connections, the connection pool, the fair
 * dispatcher and the timeouts. Nothing here knows about echo or chat.
 *
 * @module
 */
export type { AcceptErrorKind } from "./accept_loop.ts";
export { type BufferOptions, DEFAULT_BUFFER_OPTIONS } from "./buffer_options.ts";
export { type Clock, monotonicClock } from "./clock.ts";
export { type CloseReason, isAbortive } from "./close_reason.ts";
export type { Stream } from "./connection.ts";
export type { Conn, Handler } from "./handler.ts";
export {
  DEFAULT_REACTOR_OPTIONS,
  DEFAULT_STOP_GRACE_MS,
  type ListenerStats,
  type ListenOptions,
  type Protocol,
  Reactor,
  type ReactorObserver,
  type ReactorOptions,
  type StopSummary,
} from "./reactor.ts";
export { formatAddr } from "./address.ts";
