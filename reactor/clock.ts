/**
 * A source of monotonic time in milliseconds. Injected wherever time decides
 * behaviour (idle reaping, rate limits) so tests can drive it by hand.
 */
export type Clock = () => number;

/** The real monotonic clock. */
export const monotonicClock: Clock = () => performance.now();
