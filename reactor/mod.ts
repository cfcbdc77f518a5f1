/**
 * The protocol-agnostic core of echochat: a reactor over `Deno.listen` /
 * `Deno.Conn`, its buffered connections, the connection pool, the fair
 * dispatcher and the timeouts. Nothing here knows about echo or chat.
 *
 * @module
 */
export type { AcceptErrorKind } from "./accept_loop.ts";
export type { BufferOptions } from "./buffer_options.ts";
export { type Clock, monotonicClock } from "./clock.ts";
export type { CloseReason } from "./close_reason.ts";
export type { Stream } from "./connection.ts";
export type { Conn, Handler } from "./handler.ts";
export type { ListenerStats, ListenOptions, Protocol } from "./listener_registry.ts";
export { Reactor } from "./reactor.ts";
export {
  type Admission,
  DEFAULT_REACTOR_OPTIONS,
  DEFAULT_STOP_GRACE_MS,
  type ReactorObserver,
  type ReactorOptions,
  type StopSummary,
} from "./reactor_options.ts";
export { formatAddr } from "./address.ts";
