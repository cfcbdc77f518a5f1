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
  /** The reactor's idle timeout in seconds (0: never), quoted in the welcome text. */
  idleTimeoutSeconds: number;
  /** The reactor's idle grace in seconds, quoted in the idle warning. */
  idleGraceSeconds: number;
  /** Milliseconds clock for rate limits and presence (tests inject their own). */
  now: () => number;
}

/** The defaults of {@link ChatOptions}, defined once. */
export const DEFAULT_CHAT_OPTIONS = Object.freeze({
  maxLineBytes: 4096,
  rateLimit: 20,
  rateBurst: 40,
});
