/** How often the event loop's lag is measured, in ms. */
export const LAG_INTERVAL_MS = 500;

/** How many measurements the maximum covers: one minute's worth. */
const LAG_WINDOW = 120;

/**
 * Event-loop lag: how late a timer fires. A timer set for
 * {@link LAG_INTERVAL_MS} that fires 40 ms late means every callback
 * waiting at that moment (a read, an accept, a chat line) waited up to
 * 40 ms for the loop. It measures what the process as a whole suffers,
 * whatever caused it (a long protocol callback, garbage collection, a
 * starved CPU), which is what neither the dispatcher's backlog nor the
 * queued bytes tell.
 *
 * `node:perf_hooks`' `monitorEventLoopDelay`, which prom-client's default
 * metrics use, reports nothing under Deno 2.9 (zero lag, NaN mean), so the
 * lag is measured here with a plain timer. Its timer is unref'd: it never
 * keeps the process alive.
 */
export class EventLoopLag {
  readonly #now: () => number;
  readonly #samples: number[] = [];
  #next = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param now milliseconds clock; tests pass their own and call {@link record} */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Starts measuring every {@link LAG_INTERVAL_MS}. */
  start(): void {
    if (this.#timer !== undefined) return;
    const arm = () => {
      const due = this.#now() + LAG_INTERVAL_MS;
      const timer = setTimeout(() => {
        this.record(Math.max(0, this.#now() - due));
        arm();
      }, LAG_INTERVAL_MS);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    };
    arm();
  }

  /** Stops measuring. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Adds one measurement, in ms; the oldest beyond one minute's worth is forgotten. */
  record(lagMs: number): void {
    if (this.#samples.length < LAG_WINDOW) this.#samples.push(lagMs);
    else this.#samples[this.#next] = lagMs;
    this.#next = (this.#next + 1) % LAG_WINDOW;
  }

  /** The latest measurement in seconds (0 before the first). */
  get latestSeconds(): number {
    const latest = this.#samples[(this.#next + LAG_WINDOW - 1) % LAG_WINDOW];
    return (latest ?? 0) / 1000;
  }

  /** The largest measurement of the last minute, in seconds. */
  get maxSeconds(): number {
    return this.#samples.reduce((max, lag) => Math.max(max, lag), 0) / 1000;
  }
}
