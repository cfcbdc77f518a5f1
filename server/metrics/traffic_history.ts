/** Counters that only grow, summed over the server, as {@link TrafficHistory} reads them. */
export interface TrafficTotals {
  /** Bytes received (TCP listeners and UDP echo). */
  bytesIn: number;
  /** Bytes sent (TCP listeners and UDP echo). */
  bytesOut: number;
  /** Chat lines relayed. */
  chatLines: number;
  /** Connections accepted. */
  accepted: number;
}

/** One second of traffic: rates per second, and the open connections at its end. */
export interface TrafficSample {
  /** End of the second, Unix time in ms. */
  at: number;
  /** Bytes received per second. */
  bytesIn: number;
  /** Bytes sent per second. */
  bytesOut: number;
  /** Chat lines relayed per second. */
  chatLines: number;
  /** Connections accepted per second. */
  accepted: number;
  /** Connections open at `at`. */
  open: number;
}

/** Samples kept: five minutes of one per second. */
export const HISTORY_SAMPLES = 300;

/** How often {@link TrafficHistory} is sampled, in ms. */
export const SAMPLE_INTERVAL_MS = 1000;

/**
 * The last minutes of traffic, one sample per second, for the status
 * page's chart: a ring of at most `capacity` samples, so its memory is
 * fixed. Each sample is the change of the running totals since the one
 * before, divided by the time between them; the first call only sets the
 * baseline. O(1) per sample.
 */
export class TrafficHistory {
  readonly #capacity: number;
  readonly #ring: TrafficSample[] = [];
  #next = 0;
  #last: { at: number; totals: TrafficTotals } | null = null;

  constructor(capacity = HISTORY_SAMPLES) {
    if (!(capacity >= 1)) throw new RangeError("capacity must be at least 1");
    this.#capacity = capacity;
  }

  /** Records the totals and open connections at `at` (Unix ms). */
  record(at: number, totals: TrafficTotals, open: number): void {
    const last = this.#last;
    this.#last = { at, totals: { ...totals } };
    if (last === null || !(at > last.at)) return;
    const seconds = (at - last.at) / 1000;
    const rate = (key: keyof TrafficTotals) =>
      Math.max(0, totals[key] - last.totals[key]) / seconds;
    const sample: TrafficSample = {
      at,
      bytesIn: rate("bytesIn"),
      bytesOut: rate("bytesOut"),
      chatLines: rate("chatLines"),
      accepted: rate("accepted"),
      open,
    };
    if (this.#ring.length < this.#capacity) this.#ring.push(sample);
    else this.#ring[this.#next] = sample;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** The samples, oldest first. */
  samples(): TrafficSample[] {
    if (this.#ring.length < this.#capacity) return [...this.#ring];
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }
}
