/**
 * Nickname and room name rules, shared by the command parser and the
 * registries so that every name the server stores or shows obeys them.
 *
 * @module
 */

/** Longest nickname or room name, in characters. */
export const MAX_NAME_LENGTH = 24;

const NAME = /^[A-Za-z0-9_-]{1,24}$/;

/** Outcome of validating a user-supplied name: the name to use, or why it was refused. */
export type NameResult = { ok: true; name: string } | { ok: false; error: string };

/** One-line explanation shown when a nickname is refused. */
export const NICK_RULE = "Nickname must be 1-24 letters, digits, _ or -";

/** One-line explanation shown when a room name is refused. */
export const ROOM_RULE = "Room name must be 1-24 letters, digits, _ or -, optionally after a #";

/**
 * Key under which a name is unique: names differ only if their keys differ
 * (`Bob` and `bob` are the same nickname). Names are ASCII, so this is exact.
 */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Validates a nickname typed by a user; the name keeps the user's capitalization. */
export function validateNick(input: string): NameResult {
  return NAME.test(input) ? { ok: true, name: input } : { ok: false, error: NICK_RULE };
}

/**
 * Validates a room name typed by a user. One leading `#` is accepted and is
 * not part of the name: `#Rust` and `Rust` name the same room, `Rust`.
 */
export function validateRoomName(input: string): NameResult {
  const name = input.startsWith("#") ? input.slice(1) : input;
  return NAME.test(name) ? { ok: true, name } : { ok: false, error: ROOM_RULE };
}

/** The room every user starts in and returns to on `/part`; it always exists. */
export const LOBBY = "lobby";

/**
 * The `attempt`-th nickname to try for `base`: `base` itself, then
 * `base-2`, `base-3`, ... (shortened so it stays a valid nickname).
 */
export function nickCandidate(base: string, attempt: number): string {
  if (attempt <= 1) return base;
  const suffix = `-${attempt}`;
  return base.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
}
