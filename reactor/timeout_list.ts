/**
 * The links a {@link TimeoutList} keeps inside its nodes (an intrusive list),
 * so that moving a connection between lists allocates nothing. A node is in
 * at most one list at a time.
 */
export interface TimeoutNode {
  /** Previous node, or `null` at the head. Managed by the list. */
  timeoutPrev: TimeoutNode | null;
  /** Next node, or `null` at the tail. Managed by the list. */
  timeoutNext: TimeoutNode | null;
  /** The list this node is in, or `null`. Managed by the list. */
  timeoutList: TimeoutList<TimeoutNode> | null;
  /** Clock time the node's current wait started. Managed by the list. */
  timeoutSince: number;
}

/**
 * Timers that all have the same duration, in one list (libevent's "common
 * timeouts"). A node is appended with the time its wait starts, so the list
 * stays in start order and its head is always the next to expire: no heap,
 * no timer per node, nothing scanned that is not due.
 *
 * `add` (also used to restart a node's wait), `remove` and each expiry are
 * O(1). A duration of 0 disables the list: nothing is added.
 */
export class TimeoutList<T extends TimeoutNode> {
  /** How long a node waits before it expires, in milliseconds. */
  readonly durationMs: number;
  #head: T | null = null;
  #tail: T | null = null;
  #size = 0;

  constructor(durationMs: number) {
    if (!(durationMs >= 0)) throw new RangeError("A timeout must be 0 or more milliseconds");
    this.durationMs = durationMs;
  }

  /** Number of waiting nodes. */
  get size(): number {
    return this.#size;
  }

  /**
   * Starts (or restarts) `node`'s wait at `now`, taking it out of whatever
   * list held it. Returns false, leaving the node in no list, when this list
   * is disabled.
   */
  add(node: T, now: number): boolean {
    node.timeoutList?.remove(node);
    if (this.durationMs === 0) return false;
    node.timeoutSince = now;
    node.timeoutPrev = this.#tail;
    node.timeoutNext = null;
    if (this.#tail !== null) this.#tail.timeoutNext = node;
    else this.#head = node;
    this.#tail = node;
    node.timeoutList = this as TimeoutList<TimeoutNode>;
    this.#size++;
    return true;
  }

  /** Takes `node` out of this list; does nothing if it is not in it. */
  remove(node: T): void {
    if (node.timeoutList !== (this as TimeoutList<TimeoutNode>)) return;
    const prev = node.timeoutPrev as T | null;
    const next = node.timeoutNext as T | null;
    if (prev !== null) prev.timeoutNext = next;
    else this.#head = next;
    if (next !== null) next.timeoutPrev = prev;
    else this.#tail = prev;
    node.timeoutPrev = null;
    node.timeoutNext = null;
    node.timeoutList = null;
    this.#size--;
  }

  /**
   * Removes every node whose wait has lasted the duration at `now`, oldest
   * first, and hands it to `expired` (which may add it to another list).
   * Returns how many expired.
   */
  expire(now: number, expired: (node: T) => void): number {
    let count = 0;
    for (let node = this.#head; node !== null; node = this.#head) {
      if (now - node.timeoutSince < this.durationMs) break;
      this.remove(node);
      count++;
      expired(node);
    }
    return count;
  }
}
