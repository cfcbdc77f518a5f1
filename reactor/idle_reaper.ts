import { ActivityList, type ActivityNode } from "./activity_list.ts";

/** What the reaper needs to know about a connection. */
export interface Reapable extends ActivityNode {
  /** Clock time of the last inbound byte, or of the accept if none came yet. */
  lastActivity: number;
  /** Clock time the idle warning was sent; meaningful only once warned. */
  idleWarnedAt: number;
}

/** What the reaper does to a connection it finds idle. */
export interface IdleActions<T> {
  /**
   * Offers the protocol a chance to warn the peer. Returns `true` if a warning
   * was sent (the connection then gets `graceMs` more), `false` to close now.
   */
  warn(node: T): boolean;
  /** Closes the connection with reason `idle`. */
  expire(node: T): void;
}

/** Settings of the idle reaper. */
export interface IdleReaperOptions {
  /** Inbound silence after which a connection is idle; 0 disables reaping. */
  timeoutMs: number;
  /** Time between the idle warning and the close, for protocols that warn. */
  graceMs: number;
}

/**
 * Finds idle connections without a timer per connection (Redis `serverCron`,
 * libevent common timeouts).
 *
 * A connection is *idle* when no inbound byte has arrived for `timeoutMs`;
 * writes do not count, so a peer that only listens is still idle. Tracked
 * connections live in one of two intrusive lists, each in time order:
 * `active` by last inbound activity and `warned` by warning time. Because
 * every connection shares the same timeout (and every warned one the same
 * grace), the heads of the lists are always the first to expire.
 *
 * Costs: `touch` (called on every read) is O(1); `sweep` is O(k + 1) for k
 * connections warned or closed, and stops after `limit` of them so one tick
 * never stalls the event loop. Nothing is scanned that is not due.
 */
export class IdleReaper<T extends Reapable> {
  readonly #active = new ActivityList<T>();
  readonly #warned = new ActivityList<T>();
  readonly #options: IdleReaperOptions;

  constructor(options: IdleReaperOptions) {
    if (!(options.timeoutMs >= 0) || !(options.graceMs >= 0)) {
      throw new RangeError("Idle timeout and grace must be non-negative numbers of milliseconds");
    }
    this.#options = options;
  }

  /** Whether reaping is on at all. */
  get enabled(): boolean {
    return this.#options.timeoutMs > 0;
  }

  /** Number of tracked connections (active plus warned). */
  get size(): number {
    return this.#active.size + this.#warned.size;
  }

  /** Starts tracking a new connection as active at `now`. */
  track(node: T, now: number): void {
    node.lastActivity = now;
    if (this.enabled) this.#active.pushBack(node);
  }

  /** Records inbound activity: the connection becomes the newest active one. */
  touch(node: T, now: number): void {
    node.lastActivity = now;
    if (node.activityList !== null) this.#active.pushBack(node);
  }

  /** Stops tracking a connection (it is closing or closed). */
  untrack(node: T): void {
    node.activityList?.remove(node);
  }

  /** Whether some connection is due for a warning or a close at `now`. */
  hasDue(now: number): boolean {
    return this.#due(this.#active.first, now) !== undefined ||
      this.#due(this.#warned.first, now) !== undefined;
  }

  /**
   * Warns or closes every connection due at `now`, oldest first, up to
   * `limit` of them. Returns how many were handled; if that equals `limit`,
   * call again (soon) for the rest.
   */
  sweep(now: number, actions: IdleActions<T>, limit = Infinity): number {
    if (!this.enabled) return 0;
    let handled = 0;
    while (handled < limit) {
      const warned = this.#warned.first;
      if (warned !== null && this.#due(warned, now) === "expire") {
        this.#warned.remove(warned);
        actions.expire(warned);
        handled++;
        continue;
      }
      const active = this.#active.first;
      if (active === null || this.#due(active, now) === undefined) break;
      handled++;
      if (this.#options.graceMs > 0 && actions.warn(active)) {
        active.idleWarnedAt = now;
        this.#warned.pushBack(active);
      } else {
        this.#active.remove(active);
        actions.expire(active);
      }
    }
    return handled;
  }

  #due(node: T | null, now: number): "warn" | "expire" | undefined {
    if (node === null || !this.enabled) return undefined;
    if (node.activityList === (this.#warned as unknown)) {
      return now - node.idleWarnedAt >= this.#options.graceMs ? "expire" : undefined;
    }
    return now - node.lastActivity >= this.#options.timeoutMs ? "warn" : undefined;
  }
}
