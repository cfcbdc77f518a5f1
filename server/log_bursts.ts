/** Settings of {@link LogBursts}. */
export interface LogBurstsOptions {
  /** Silence after which the next event starts a new burst. @default 10000 */
  quietMs?: number;
  /** While a burst goes on, at most one line per this period. @default 60000 */
  repeatMs?: number;
  /** Most keys remembered; the oldest is forgotten first. @default 10000 */
  maxKeys?: number;
  /** Milliseconds clock. @default performance.now */
  now?: () => number;
}

interface Burst {
  lastEvent: number;
  lastLine: number;
  unreported: number;
}

/**
 * Decides when a repeated event (a refused connection, a failing accept)
 * is worth a log line: the first event of a burst, then at most one line
 * per `repeatMs` while it goes on, each carrying the count since the last
 * line. Memory is bounded by `maxKeys`, whatever the number of addresses.
 */
export class LogBursts {
  readonly #quietMs: number;
  readonly #repeatMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #bursts = new Map<string, Burst>();

  constructor(options: LogBurstsOptions = {}) {
    this.#quietMs = options.quietMs ?? 10_000;
    this.#repeatMs = options.repeatMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Records one event for `key`. Returns `null` when it should not be
   * logged, else how many events the line stands for (this one included).
   */
  note(key: string): number | null {
    const now = this.#now();
    const burst = this.#bursts.get(key);
    if (burst === undefined || now - burst.lastEvent >= this.#quietMs) {
      if (burst === undefined && this.#bursts.size >= this.#maxKeys) {
        const oldest = this.#bursts.keys().next().value as string;
        this.#bursts.delete(oldest);
      }
      this.#bursts.delete(key);
      this.#bursts.set(key, { lastEvent: now, lastLine: now, unreported: 0 });
      return 1;
    }
    burst.lastEvent = now;
    burst.unreported++;
    if (now - burst.lastLine < this.#repeatMs) return null;
    const count = burst.unreported;
    burst.unreported = 0;
    burst.lastLine = now;
    return count;
  }
}
