/**
 * Token bucket rate limiter with an injected clock, so chat flood control
 * can be tested by moving time by hand.
 *
 * @module
 */

/** Options for {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second, continuously (fractional rates allowed). Must be > 0. */
  ratePerSecond: number;
  /** Capacity: the most tokens that can be taken at once after a quiet period. Must be >= 1. */
  burst: number;
  /**
   * Clock in milliseconds; only differences matter. A clock that goes
   * backwards adds no tokens.
   * @default performance.now
   */
  now?: () => number;
}

/**
 * Allows `burst` actions at once and `ratePerSecond` actions per second on
 * average. Starts full. O(1) per call, no timers: tokens are refilled
 * lazily from the elapsed time when asked.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /** @throws {RangeError} if `ratePerSecond` is not > 0 or `burst` is not >= 1 */
  constructor(options: TokenBucketOptions) {
    const { ratePerSecond, burst } = options;
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    }
    if (!(Number.isFinite(burst) && burst >= 1)) {
      throw new RangeError(`burst must be a number >= 1, got ${burst}`);
    }
    this.#rate = ratePerSecond / 1000;
    this.#burst = burst;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = burst;
    this.#last = this.#now();
  }

  /** Takes `count` tokens if available and returns true; otherwise takes none and returns false. */
  tryTake(count = 1): boolean {
    this.#refill();
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Tokens available now (fractional). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Milliseconds until `count` tokens will be available (0 if they are now); for "slow down" messages. */
  msUntil(count = 1): number {
    this.#refill();
    if (count > this.#burst) return Infinity;
    return this.#tokens >= count ? 0 : (count - this.#tokens) / this.#rate;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#last;
    if (!(elapsed > 0)) return; // Backwards (or NaN) clock: keep the latest time seen.
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate);
  }
}
