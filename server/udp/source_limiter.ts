import { TokenBucket } from "../chat/token_bucket.ts";

/** Settings of a {@link SourceLimiter}. */
export interface SourceLimiterOptions {
  /** Datagrams per second one source may send on average. */
  ratePerSecond: number;
  /** Datagrams one source may send in a burst. */
  burst: number;
  /** Most sources tracked at once. */
  maxSources: number;
  /** Clock in milliseconds; tests move it by hand. */
  now: () => number;
}

/**
 * A token bucket per source address, in a map bounded to `maxSources`
 * entries: the chat's {@link TokenBucket}, keyed by address.
 *
 * The map is kept in least-recently-seen order, and a new source past the
 * bound evicts the one seen longest ago. A flooding source is by definition
 * seen all the time, so it keeps its (empty) bucket however many other
 * addresses, forged or not, come along; an evicted source comes back with
 * a full bucket, which costs at most one burst. O(1) per datagram.
 */
export class SourceLimiter {
  readonly #options: SourceLimiterOptions;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(options: SourceLimiterOptions) {
    if (!(options.maxSources >= 1)) throw new RangeError("maxSources must be at least 1");
    this.#options = options;
  }

  /** Takes a token for `source`; false when it is over its rate. */
  allow(source: string): boolean {
    let bucket = this.#buckets.get(source);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#options.maxSources) {
        const oldest = this.#buckets.keys().next().value as string;
        this.#buckets.delete(oldest);
      }
      const { ratePerSecond, burst, now } = this.#options;
      bucket = new TokenBucket({ ratePerSecond, burst, now });
    } else {
      this.#buckets.delete(source);
    }
    this.#buckets.set(source, bucket);
    return bucket.tryTake();
  }

  /** Sources tracked now. */
  get size(): number {
    return this.#buckets.size;
  }
}
