/**
 * A first-in, first-out queue on a growable ring buffer: O(1) push and shift
 * with no per-item allocation. The dispatcher keeps ready connections here
 * so that they are served in the order their reads completed.
 */
export class ReadyQueue<T> {
  #items: (T | undefined)[] = new Array(64);
  #head = 0;
  #length = 0;

  /** Number of queued items. */
  get length(): number {
    return this.#length;
  }

  /** Appends an item at the tail. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** Removes and returns the item at the head, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  #grow(): void {
    const old = this.#items;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#length; i++) {
      next[i] = old[(this.#head + i) & (old.length - 1)];
    }
    this.#items = next;
    this.#head = 0;
  }
}
