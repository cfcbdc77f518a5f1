/** What every pooled entry carries. */
export interface Pooled {
  /** The reactor-assigned connection id. */
  readonly id: number;
}

/**
 * The live connections, keyed by a connection id that the pool assigns.
 *
 * Deno 2 has no `conn.rid`, so ids are ours: they start at 1, only increase,
 * and are never reused within a process, so a stale id can never name a new
 * connection. Add and remove are O(1); snapshots are in accept order.
 */
export class ConnectionPool<T extends Pooled> {
  readonly #entries = new Map<number, T>();
  readonly #lastId: BigInt64Array;

  /**
   * `lastId` holds the last id handed out. Reactors of one process (worker
   * threads) pass the same shared array, so ids stay unique and increasing
   * in the whole process. @default a counter of its own
   */
  constructor(lastId: BigInt64Array = new BigInt64Array(1)) {
    this.#lastId = lastId;
  }

  /** Number of live connections. */
  get size(): number {
    return this.#entries.size;
  }

  /** Reserves the next connection id. Ids are never handed out twice. */
  nextId(): number {
    return Number(Atomics.add(this.#lastId, 0, 1n)) + 1;
  }

  /** Adds an entry under its id; a duplicate id is a programming error. */
  add(entry: T): void {
    if (this.#entries.has(entry.id)) {
      throw new RangeError(`Connection id ${entry.id} is already in the pool`);
    }
    this.#entries.set(entry.id, entry);
  }

  /** Removes the entry with this id; returns whether it was present. */
  delete(id: number): boolean {
    return this.#entries.delete(id);
  }

  /** A snapshot of the live entries, for loops that close connections. */
  snapshot(): T[] {
    return [...this.#entries.values()];
  }
}
