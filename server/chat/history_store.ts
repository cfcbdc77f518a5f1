import type { HistoryEntry } from "./adapter/chat_adapter.ts";
import { nameKey } from "./names.ts";

/** Settings of a {@link HistoryStore}. */
export interface HistoryOptions {
  /** Lines kept per room; 0 keeps none. */
  linesPerRoom: number;
  /** Bytes (UTF-16 code units x 2, roughly) kept for all rooms together. @default 8388608 */
  maxBytes?: number;
}

interface RoomHistory {
  entries: HistoryEntry[];
  bytes: number;
}

/** A rough size of an entry in memory: the string's UTF-16 bytes plus its record. */
function entryBytes(entry: HistoryEntry): number {
  return entry.line.length * 2 + 64;
}

/**
 * The last lines of each room, bounded twice: at most `linesPerRoom` per
 * room, and at most `maxBytes` for all rooms together. When the total is
 * passed, the room that has been quiet the longest loses its history
 * first (a Map keeps rooms in order of their last line). Appending is O(1)
 * amortized.
 */
export class HistoryStore {
  readonly #lines: number;
  readonly #maxBytes: number;
  readonly #rooms = new Map<string, RoomHistory>();
  #bytes = 0;

  constructor(options: HistoryOptions) {
    this.#lines = options.linesPerRoom;
    this.#maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  }

  /** Bytes held for all rooms. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a line to `room`'s history. */
  record(room: string, entry: HistoryEntry): void {
    if (this.#lines === 0) return;
    const key = nameKey(room);
    const history = this.#rooms.get(key) ?? { entries: [], bytes: 0 };
    this.#rooms.delete(key); // re-inserted last: the most recently active room
    this.#rooms.set(key, history);
    history.entries.push(entry);
    const size = entryBytes(entry);
    history.bytes += size;
    this.#bytes += size;
    if (history.entries.length > this.#lines) {
      const dropped = history.entries.shift() as HistoryEntry;
      const freed = entryBytes(dropped);
      history.bytes -= freed;
      this.#bytes -= freed;
    }
    for (const [oldest, old] of this.#rooms) {
      if (this.#bytes <= this.#maxBytes || oldest === key) break;
      this.#rooms.delete(oldest);
      this.#bytes -= old.bytes;
    }
  }

  /** `room`'s lines, oldest first. */
  history(room: string): HistoryEntry[] {
    return [...(this.#rooms.get(nameKey(room))?.entries ?? [])];
  }
}
