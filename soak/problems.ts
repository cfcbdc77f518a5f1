/**
 * What went wrong during a soak, by kind: counts, and the first few notes
 * of each kind for the report.
 *
 * @module
 */

/** Notes kept per kind of problem. */
const NOTES_PER_KIND = 5;

/** Problems of one soak, grouped by kind (`echo: lost bytes`, `chat: lost lines`, ...). */
export class Problems {
  readonly #counts = new Map<string, number>();
  readonly #notes = new Map<string, string[]>();

  /** Counts `n` problems of `kind`; `note` (if any) says which. */
  add(kind: string, note?: string, n = 1): void {
    if (n <= 0) return;
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + n);
    if (note === undefined) return;
    const notes = this.#notes.get(kind) ?? [];
    if (notes.length < NOTES_PER_KIND) notes.push(note);
    this.#notes.set(kind, notes);
  }

  /** Every problem counted so far. */
  get total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  /** Counts by kind, for the report. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** The first notes of every kind, for the report. */
  notes(): Record<string, string[]> {
    return Object.fromEntries(this.#notes);
  }
}

/** The message of anything thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
