/** Settings of the chat protocol. */
export interface ChatOptions {
  /** Server name and version for the welcome banner. */
  serverName: string;
  /** Longest line in bytes; longer lines are dropped with an error. @default 4096 */
  maxLineBytes: number;
  /** Lines per second one connection may send on average. @default 20 */
  rateLimit: number;
  /** Lines one connection may send in a burst. @default 40 */
  rateBurst: number;
  /** Lines of history kept per room and shown on joining it; 0 turns history off. @default 20 */
  history: number;
  /** Most rooms with people in them at once (the lobby included). @default 1000 */
  maxRooms: number;
  /** The reactor's idle timeout in seconds (0: never), quoted in the welcome text. */
  idleTimeoutSeconds: number;
  /** The reactor's idle grace in seconds, quoted in the idle warning. */
  idleGraceSeconds: number;
  /** Monotonic milliseconds (the reactor's clock): rate limits, announcements, heartbeats. */
  now: () => number;
  /** Wall-clock epoch milliseconds: presence and history times, shared between servers. */
  wallClock: () => number;
}

/** The defaults of {@link ChatOptions}, defined once. */
export const DEFAULT_CHAT_OPTIONS = Object.freeze({
  maxLineBytes: 4096,
  rateLimit: 20,
  rateBurst: 40,
  history: 20,
  maxRooms: 1000,
});
