/**
 * Who holds which nickname. Nicknames are unique ignoring case: `Bob` and
 * `bob` cannot both be online.
 *
 * @module
 */

import { isValidNick, MAX_NAME_LENGTH, nameKey } from "./names.ts";

/** The nickname a new connection gets before it picks one: `guest-<id>`. */
export function defaultNick(id: number | bigint | string): string {
  return `guest-${id}`;
}

/**
 * Returns `base` if it is free, else the first free `base-2`, `base-3`, ...
 * The base is shortened if needed so the result stays a valid nickname
 * (at most {@link MAX_NAME_LENGTH} characters).
 */
export function firstFreeNick(base: string, isTaken: (nick: string) => boolean): string {
  if (!isTaken(base)) return base;
  for (let n = 2;; n++) {
    const suffix = `-${n}`;
    const candidate = base.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
    if (!isTaken(candidate)) return candidate;
  }
}

/**
 * Nickname registry over members of type `M` (the chat handler's
 * per-connection session). Each member holds at most one nickname and each
 * nickname (ignoring case) is held by at most one member. All operations
 * are O(1).
 */
export class NickRegistry<M> {
  /** nameKey(nick) -> holder, with the nick as the holder spelled it. */
  readonly #byKey = new Map<string, { nick: string; member: M }>();
  readonly #byMember = new Map<M, string>();

  /** Number of members holding a nickname. */
  get size(): number {
    return this.#byMember.size;
  }

  /**
   * Gives `nick` to `member`, releasing the member's previous nickname if
   * any. Returns false, changing nothing, if another member holds the same
   * nickname ignoring case. A member may change the case of its own nick.
   *
   * @throws {RangeError} if `nick` is not a valid nickname (validate user input with `validateNick` first)
   */
  claim(member: M, nick: string): boolean {
    if (!isValidNick(nick)) throw new RangeError(`Invalid nickname: ${JSON.stringify(nick)}`);
    const key = nameKey(nick);
    const holder = this.#byKey.get(key);
    if (holder !== undefined && holder.member !== member) return false;
    const old = this.#byMember.get(member);
    if (old !== undefined) this.#byKey.delete(nameKey(old));
    this.#byKey.set(key, { nick, member });
    this.#byMember.set(member, nick);
    return true;
  }

  /**
   * Changes the nickname of a member that already holds one. Returns the
   * old nickname, or `undefined` if the new one is taken by someone else.
   *
   * @throws {RangeError} if `member` holds no nickname or `nick` is invalid
   */
  rename(member: M, nick: string): string | undefined {
    const old = this.#byMember.get(member);
    if (old === undefined) throw new RangeError("Cannot rename a member that holds no nickname");
    return this.claim(member, nick) ? old : undefined;
  }

  /**
   * Gives `member` the nickname `guest-<id>`, or `guest-<id>-2` etc. if a
   * user already took it. Returns the nickname given.
   */
  claimDefault(member: M, id: number | bigint | string): string {
    const nick = firstFreeNick(defaultNick(id), (n) => {
      const holder = this.#byKey.get(nameKey(n));
      return holder !== undefined && holder.member !== member;
    });
    this.claim(member, nick);
    return nick;
  }

  /** Frees the member's nickname; returns it, or `undefined` if it held none. */
  release(member: M): string | undefined {
    const nick = this.#byMember.get(member);
    if (nick === undefined) return undefined;
    this.#byMember.delete(member);
    this.#byKey.delete(nameKey(nick));
    return nick;
  }

  /** The member holding `nick`, ignoring case. */
  lookup(nick: string): M | undefined {
    return this.#byKey.get(nameKey(nick))?.member;
  }

  /** The nickname `member` holds, spelled as it chose it. */
  nickOf(member: M): string | undefined {
    return this.#byMember.get(member);
  }

  /** True if someone holds `nick`, ignoring case. */
  isTaken(nick: string): boolean {
    return this.#byKey.has(nameKey(nick));
  }
}
