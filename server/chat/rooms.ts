/**
 * Room membership. Every member is in exactly one room; rooms exist while
 * they have members, except the lobby, which always exists.
 *
 * @module
 */

import { isValidRoomName, nameKey } from "./names.ts";

/** The room every member starts in and returns to on `/part`; never deleted. */
export const LOBBY = "lobby";

/** A room name and its member count, as listed by `/rooms`. */
export interface RoomInfo {
  /** The name as spelled by the member who created the room. */
  name: string;
  /** Number of members in the room. */
  count: number;
}

/** What {@link Rooms.join} did, so the caller can announce it. */
export interface JoinResult {
  /** The room the member is now in, spelled as the room's creator did. */
  room: string;
  /** The room the member left, or `undefined` if it was in none or did not move. */
  left: string | undefined;
  /** False if the member was already in that room (nothing changed). */
  moved: boolean;
}

interface Room<M> {
  name: string;
  members: Set<M>;
}

/**
 * Rooms over members of type `M`. Room names are unique ignoring case
 * (`#Rust` and `#rust` are the same room). `join` and `leave` are O(1);
 * `list` is O(R log R) in the number of rooms.
 */
export class Rooms<M> {
  readonly #rooms = new Map<string, Room<M>>();
  readonly #roomOf = new Map<M, Room<M>>();

  constructor() {
    this.#rooms.set(LOBBY, { name: LOBBY, members: new Set() });
  }

  /**
   * Puts `member` in `room` (created on demand), taking it out of its
   * previous room, which is deleted if now empty (unless it is the lobby).
   *
   * @throws {RangeError} if `room` is not a valid room name (validate user input with `validateRoomName` first)
   */
  join(member: M, room: string): JoinResult {
    if (!isValidRoomName(room)) throw new RangeError(`Invalid room name: ${JSON.stringify(room)}`);
    const key = nameKey(room);
    const current = this.#roomOf.get(member);
    if (current !== undefined && nameKey(current.name) === key) {
      return { room: current.name, left: undefined, moved: false };
    }
    const left = current === undefined ? undefined : this.#remove(member, current);
    let target = this.#rooms.get(key);
    if (target === undefined) {
      target = { name: room, members: new Set() };
      this.#rooms.set(key, target);
    }
    target.members.add(member);
    this.#roomOf.set(member, target);
    return { room: target.name, left, moved: true };
  }

  /** Takes `member` out of its room (on disconnect); returns that room's name, if any. */
  leave(member: M): string | undefined {
    const current = this.#roomOf.get(member);
    return current === undefined ? undefined : this.#remove(member, current);
  }

  /** The name of the room `member` is in. */
  roomOf(member: M): string | undefined {
    return this.#roomOf.get(member)?.name;
  }

  /**
   * The members of `room` (ignoring case); empty if no such room. A live
   * view: do not join or leave while iterating it.
   */
  members(room: string): ReadonlySet<M> {
    return this.#rooms.get(nameKey(room))?.members ?? EMPTY;
  }

  /** The room's name as spelled by its creator, if it exists. */
  nameOf(room: string): string | undefined {
    return this.#rooms.get(nameKey(room))?.name;
  }

  /** Every room with its member count, sorted by name ignoring case; includes the lobby. */
  list(): RoomInfo[] {
    const keys = [...this.#rooms.keys()].sort();
    return keys.map((key) => {
      const room = this.#rooms.get(key) as Room<M>;
      return { name: room.name, count: room.members.size };
    });
  }

  #remove(member: M, room: Room<M>): string {
    room.members.delete(member);
    this.#roomOf.delete(member);
    const key = nameKey(room.name);
    if (room.members.size === 0 && key !== LOBBY) this.#rooms.delete(key);
    return room.name;
  }
}

const EMPTY: ReadonlySet<never> = new Set<never>();
