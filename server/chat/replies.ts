/**
 * Formatting of chat replies: bounded lists, durations, times. Every list a
 * command shows is cut to a fixed number of entries, so a few bytes typed
 * can never ask for an unbounded answer.
 *
 * @module
 */
import { plural } from "../plural.ts";

/** `a, b, c`, or `a, b and 7 more` when there are more than `max`. */
export function boundedList(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** `42s`, `5m`, `5m 3s`, `2h 7m`, `3d 4h`: a duration for people. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const both = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${smallUnit}`;
  const m = Math.floor(s / 60);
  if (m < 60) return both(m, "m", s % 60, "s");
  const h = Math.floor(m / 60);
  if (h < 24) return both(h, "h", m % 60, "m");
  return both(Math.floor(h / 24), "d", h % 24, "h");
}

/** `14:03` (UTC): when a history line was said. */
export function timeOfDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 16);
}

/** `text`, cut to `max` characters with `...` when longer. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** `1 person`, `2 people`. */
export function people(count: number): string {
  return plural(count, "person", "people");
}
