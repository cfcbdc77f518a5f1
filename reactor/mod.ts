/**
 * The protocol-agnostic core of echochat: a reactor over `Deno.listen`, its
 * buffered connections, the connection pool and the idle reaper.
 * Nothing here knows about echo or chat.
 *
 * @module
 */
export { type BufferOptions, defaultBufferOptions } from "./buffer_options.ts";
export { type Clock, monotonicClock } from "./clock.ts";
export { type CloseReason, isAbortive } from "./close_reason.ts";
export { Connection } from "./connection.ts";
export type { Handler } from "./handler.ts";
export type { Transport, TransportKind } from "./transport.ts";
export {
  formatAddr,
  type ListenOptions,
  Reactor,
  type ReactorOptions,
  type ReactorStats,
} from "./reactor.ts";
