import type { ReactorObserver } from "../../reactor/mod.ts";

/**
 * Most (listener, reason) pairs counted apart; refusals past them count
 * under reason `other`, so an admission policy with many distinct reasons
 * cannot grow the metrics without bound.
 */
const MAX_PAIRS = 64;

/** Refused connections of one listener for one reason. */
export interface RefusalCount {
  listener: string;
  reason: string;
  count: number;
}

/**
 * Refused connections by listener and reason. The reactor's `stats()`
 * counts refusals per listener only; the reason (`limit`, or whatever the
 * admission policy answered) reaches the server only through the
 * observer's `refused` event, so this is the one figure the metrics count
 * themselves. Its totals per listener equal `stats().refused`, because the
 * reactor reports every refusal it counts and no other.
 */
export class RefusalCounter {
  readonly #counts = new Map<string, RefusalCount>();

  /** `observer` with every refusal counted here first. */
  observe(observer: ReactorObserver): ReactorObserver {
    return {
      ...observer,
      refused: (listener, peer, reason) => {
        this.count(listener, reason);
        observer.refused?.(listener, peer, reason);
      },
    };
  }

  /** Counts one refusal. */
  count(listener: string, reason: string): void {
    let key = `${listener}\n${reason}`;
    if (!this.#counts.has(key) && this.#counts.size >= MAX_PAIRS) {
      reason = "other";
      key = `${listener}\n${reason}`;
    }
    const entry = this.#counts.get(key);
    if (entry === undefined) this.#counts.set(key, { listener, reason, count: 1 });
    else entry.count++;
  }

  /** Every (listener, reason) pair seen, with its count. */
  counts(): RefusalCount[] {
    return [...this.#counts.values()].map((entry) => ({ ...entry }));
  }
}
