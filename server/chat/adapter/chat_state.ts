import { HistoryStore } from "../history_store.ts";
import { LOBBY, nameKey } from "../names.ts";
import type { HistoryEntry, Presence, RoomInfo, UserId } from "./chat_adapter.ts";

/** Settings of a {@link ChatState}. */
export interface ChatStateOptions {
  /** History lines kept per room (0: none). */
  historyLines: number;
}

interface RoomIndex {
  name: string;
  members: Set<UserId>;
  topic: string | null;
}

/**
 * The authoritative shared state of one chat, in memory: what the
 * in-process adapter serves directly and what the hub serves to worker
 * threads. Every operation is synchronous, so a claim's check and its
 * effect can never interleave with another claim. Nick claims, presence
 * and the room index are O(1) per change; listing is O(n) in what it lists.
 */
export class ChatState {
  readonly #nicks = new Map<string, UserId>();
  readonly #presence = new Map<UserId, Presence>();
  readonly #rooms = new Map<string, RoomIndex>();
  readonly #history: HistoryStore;
  #guests = 0;

  constructor(options: ChatStateOptions) {
    this.#history = new HistoryStore({ linesPerRoom: options.historyLines });
    this.#rooms.set(LOBBY, { name: LOBBY, members: new Set(), topic: null });
  }

  /** A new guest number. */
  nextGuestNumber(): number {
    return ++this.#guests;
  }

  /** Claims `nick` for `user` unless someone else holds it (ignoring case). */
  claimNick(user: UserId, nick: string): boolean {
    const key = nameKey(nick);
    const holder = this.#nicks.get(key);
    if (holder !== undefined && holder !== user) return false;
    this.#nicks.set(key, user);
    return true;
  }

  /** Frees `nick` if `user` holds it. */
  releaseNick(user: UserId, nick: string): void {
    const key = nameKey(nick);
    if (this.#nicks.get(key) === user) this.#nicks.delete(key);
  }

  /** Adds or replaces a user's presence, moving it between rooms. */
  setPresence(presence: Presence): void {
    const old = this.#presence.get(presence.id);
    if (old !== undefined && nameKey(old.room) !== nameKey(presence.room)) {
      this.#leaveRoom(old.id, old.room);
    }
    this.#presence.set(presence.id, { ...presence });
    this.#joinRoom(presence.id, presence.room);
  }

  /** Updates part of a user's presence. */
  updatePresence(user: UserId, change: Partial<Omit<Presence, "id">>): void {
    const old = this.#presence.get(user);
    if (old === undefined) return;
    if (change.room !== undefined && nameKey(change.room) !== nameKey(old.room)) {
      this.setPresence({ ...old, ...change, id: user });
    } else Object.assign(old, change); // the common case (activity): no copy, no reindex
  }

  /** Removes a user's presence (and, if nobody else holds it, nothing else). */
  removePresence(user: UserId): void {
    const old = this.#presence.get(user);
    if (old === undefined) return;
    this.#presence.delete(user);
    this.#leaveRoom(user, old.room);
  }

  /** Removes every user whose id starts with `prefix` (a node that went away); returns them. */
  removeNode(prefix: string): Presence[] {
    const gone = [...this.#presence.values()].filter((p) => p.id.startsWith(prefix));
    for (const presence of gone) {
      this.removePresence(presence.id);
      this.releaseNick(presence.id, presence.nick);
    }
    for (const [key, holder] of this.#nicks) if (holder.startsWith(prefix)) this.#nicks.delete(key);
    return gone;
  }

  /** The user holding `nick`, ignoring case. */
  findNick(nick: string): Presence | null {
    const holder = this.#nicks.get(nameKey(nick));
    return holder === undefined ? null : this.#presence.get(holder) ?? null;
  }

  /** How many users are online. */
  userCount(): number {
    return this.#presence.size;
  }

  /** Everyone online. */
  users(): Presence[] {
    return [...this.#presence.values()];
  }

  /** Everyone in `room`. */
  members(room: string): Presence[] {
    const index = this.#rooms.get(nameKey(room));
    if (index === undefined) return [];
    return [...index.members].map((id) => this.#presence.get(id) as Presence);
  }

  /** Every room with users, and the lobby. */
  rooms(): RoomInfo[] {
    return [...this.#rooms.values()].map((r) => ({
      name: r.name,
      users: r.members.size,
      topic: r.topic,
    }));
  }

  /** Sets or clears a room's topic (a room without users has none). */
  setTopic(room: string, topic: string | null): void {
    const index = this.#rooms.get(nameKey(room));
    if (index !== undefined) index.topic = topic;
  }

  /** A room's topic. */
  topic(room: string): string | null {
    return this.#rooms.get(nameKey(room))?.topic ?? null;
  }

  /** Appends to a room's history. */
  record(room: string, entry: HistoryEntry): void {
    this.#history.record(room, entry);
  }

  /** A room's recent lines. */
  history(room: string): HistoryEntry[] {
    return this.#history.history(room);
  }

  #joinRoom(user: UserId, room: string): void {
    const key = nameKey(room);
    let index = this.#rooms.get(key);
    if (index === undefined) {
      index = { name: room, members: new Set(), topic: null };
      this.#rooms.set(key, index);
    }
    index.members.add(user);
  }

  #leaveRoom(user: UserId, room: string): void {
    const key = nameKey(room);
    const index = this.#rooms.get(key);
    if (index === undefined) return;
    index.members.delete(user);
    if (index.members.size === 0 && key !== LOBBY) this.#rooms.delete(key);
  }
}
