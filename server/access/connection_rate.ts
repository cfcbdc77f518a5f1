/**
 * A per-address rate of new connections: one token bucket per client, in
 * bounded memory whatever the number of addresses.
 *
 * @module
 */

/** Settings of {@link ConnectionRate}. */
export interface ConnectionRateOptions {
  /** New connections per second one client may open on average; > 0. */
  ratePerSecond: number;
  /** New connections one client may open at once after a quiet spell; >= 1. */
  burst: number;
  /**
   * Most clients tracked at once; past it, the one seen least recently is
   * forgotten. @default 10000
   */
  maxTracked?: number;
  /** Monotonic milliseconds; only differences matter. @default performance.now */
  now?: () => number;
}

/** Tokens of one client, refilled lazily when it is next seen. */
interface Bucket {
  tokens: number;
  last: number;
}

/** The default of {@link ConnectionRateOptions.maxTracked}. */
export const DEFAULT_MAX_TRACKED = 10_000;

/**
 * Token buckets by client key (see `clientKey`): `burst` connections at
 * once, `ratePerSecond` on average. O(1) per call, no timers.
 *
 * Memory: at most `maxTracked` buckets (about 100 bytes each), kept in a
 * `Map` in least-recently-seen order. When a new client arrives and the map
 * is full, the least recently seen client is forgotten. That loses nothing
 * if it has been quiet for `burst / ratePerSecond` seconds, since its bucket
 * would be full again anyway; so the limit is exact as long as fewer than
 * `maxTracked` clients connect within that time (with the defaults, 10,000
 * clients in 5 s). Past that, forgetting can only let a client in early,
 * never refuse one that is within its rate.
 */
export class ConnectionRate {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  /** @throws {RangeError} for a rate not > 0, a burst under 1 or a cap under 1 */
  constructor(options: ConnectionRateOptions) {
    const { ratePerSecond, burst, maxTracked = DEFAULT_MAX_TRACKED } = options;
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    }
    if (!(Number.isFinite(burst) && burst >= 1)) {
      throw new RangeError(`burst must be a number >= 1, got ${burst}`);
    }
    if (!(Number.isInteger(maxTracked) && maxTracked >= 1)) {
      throw new RangeError(`maxTracked must be a whole number >= 1, got ${maxTracked}`);
    }
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = burst;
    this.#maxTracked = maxTracked;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Takes one token for `key` and returns true, or returns false if it has none left. */
  tryTake(key: string): boolean {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxTracked) {
        this.#buckets.delete(this.#buckets.keys().next().value as string);
      }
      bucket = { tokens: this.#burst, last: now };
    } else {
      // Seen again: move it to the young end of the map.
      this.#buckets.delete(key);
      const elapsed = now - bucket.last;
      if (elapsed > 0) { // A clock going backwards adds nothing.
        bucket.tokens = Math.min(this.#burst, bucket.tokens + elapsed * this.#ratePerMs);
        bucket.last = now;
      }
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Clients tracked now (at most `maxTracked`). */
  get tracked(): number {
    return this.#buckets.size;
  }
}
