/**
 * This node's users as Redis stores them: the commands that write one
 * change, rewrite everything after an outage, and keep it alive. The node
 * keeps the truth in memory (it owns these users), so every write sets
 * absolute values (a room's count, a user's whole presence): a lost or
 * repeated write is repaired by the next one, never accumulated.
 *
 * @module
 */
import { nameKey } from "../names.ts";
import type { Presence, UserId } from "./chat_adapter.ts";
import type { RedisKeys } from "./redis_keys.ts";
import { encodePresence } from "./redis_messages.ts";

/** One Redis command: its name and arguments. */
export type Command = string[];

/** Most arguments of one HSET or SADD in a rewrite, so no command grows without bound. */
const CHUNK = 500;

/** One room of this node: its name as shown and its users here. */
interface LocalRoom {
  name: string;
  members: Set<UserId>;
}

/** This node's users, rooms and the commands that mirror them into Redis. */
export class LocalPresence {
  readonly #keys: RedisKeys;
  readonly #node: string;
  readonly #ttl: string;
  readonly #users = new Map<UserId, Presence>();
  readonly #rooms = new Map<string, LocalRoom>();
  /** Users whose only change since the last write is their activity time. */
  readonly #idle = new Set<UserId>();

  constructor(keys: RedisKeys, node: string, ttlMs: number) {
    this.#keys = keys;
    this.#node = node;
    this.#ttl = String(Math.ceil(ttlMs));
  }

  /** How many users this node has. */
  get size(): number {
    return this.#users.size;
  }

  /** Room keys with users on this node. */
  get roomKeys(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Adds or replaces a presence; returns the commands that write it. */
  set(presence: Presence): Command[] {
    const old = this.#users.get(presence.id);
    this.#users.set(presence.id, { ...presence });
    this.#idle.delete(presence.id);
    const commands: Command[] = [this.#hset(presence.id)];
    if (old === undefined || nameKey(old.room) !== nameKey(presence.room)) {
      if (old !== undefined) commands.push(...this.#leave(presence.id, old.room));
      commands.push(...this.#join(presence.id, presence.room));
    }
    return [...commands, ...this.#keepAlive()];
  }

  /**
   * Updates part of a presence; returns the commands that write it, none
   * if only the activity time changed (the next {@link renewal} writes it).
   */
  update(user: UserId, change: Partial<Omit<Presence, "id">>): Command[] {
    const old = this.#users.get(user);
    if (old === undefined) return [];
    if (change.room !== undefined && nameKey(change.room) !== nameKey(old.room)) {
      return this.set({ ...old, ...change, id: user });
    }
    Object.assign(old, change);
    if (Object.keys(change).every((key) => key === "lastActive")) {
      this.#idle.add(user);
      return [];
    }
    this.#idle.delete(user);
    return [this.#hset(user), ...this.#keepAlive()];
  }

  /** Removes a presence; returns the commands that delete it. */
  remove(user: UserId): Command[] {
    const old = this.#users.get(user);
    if (old === undefined) return [];
    this.#users.delete(user);
    this.#idle.delete(user);
    return [["HDEL", this.#keys.users(this.#node), user], ...this.#leave(user, old.room)];
  }

  /**
   * Everything again, after an outage or a Redis restart: deletes this
   * node's keys and writes every user, room and count anew. Run as one
   * transaction, so nobody lists a half-written node.
   */
  rewrite(): Command[] {
    const users = this.#keys.users(this.#node);
    const rooms = this.#keys.rooms(this.#node);
    const commands: Command[] = [["DEL", users, rooms]];
    const all = [...this.#users.values()];
    for (let i = 0; i < all.length; i += CHUNK) {
      commands.push([
        "HSET",
        users,
        ...all.slice(i, i + CHUNK).flatMap((p) => [p.id, encodePresence(p)]),
      ]);
    }
    for (const [key, room] of this.#rooms) {
      const set = this.#keys.room(this.#node, key);
      commands.push(["DEL", set]);
      const ids = [...room.members];
      for (let i = 0; i < ids.length; i += CHUNK) {
        commands.push(["SADD", set, ...ids.slice(i, i + CHUNK)]);
      }
      commands.push(["HSET", rooms, key, `${ids.length}:${room.name}`]);
    }
    this.#idle.clear();
    return [...commands, ...this.renewal([])];
  }

  /**
   * What keeps this node's keys alive for another TTL: the expiry of every
   * key of this node (first the users hash, whose reply, 0 if it had
   * expired, tells the caller to {@link rewrite}), the activity times
   * changed since the last write (one HSET for all), the expiry of the
   * topics of its rooms (and the lobby's), and its entry in the node set.
   */
  renewal(topicRooms: readonly string[]): Command[] {
    const users = this.#keys.users(this.#node);
    const commands: Command[] = [["PEXPIRE", users, this.#ttl]];
    const idle = [...this.#idle].filter((id) => this.#users.has(id));
    this.#idle.clear();
    for (let i = 0; i < idle.length; i += CHUNK) {
      const part = idle.slice(i, i + CHUNK);
      commands.push([
        "HSET",
        users,
        ...part.flatMap((id) => [id, encodePresence(this.#users.get(id)!)]),
      ]);
    }
    commands.push(["PEXPIRE", this.#keys.rooms(this.#node), this.#ttl]);
    for (const key of this.#rooms.keys()) {
      commands.push(["PEXPIRE", this.#keys.room(this.#node, key), this.#ttl]);
    }
    for (const room of topicRooms) commands.push(["PEXPIRE", this.#keys.topic(room), this.#ttl]);
    commands.push(["SADD", this.#keys.nodes, this.#node], ["PEXPIRE", this.#keys.nodes, this.#ttl]);
    return commands;
  }

  /** Commands that delete every key of this node (a clean stop). */
  clear(): Command[] {
    return [
      ["DEL", this.#keys.users(this.#node), this.#keys.rooms(this.#node)],
      ...[...this.#rooms.keys()].map((key) => ["DEL", this.#keys.room(this.#node, key)]),
      ["SREM", this.#keys.nodes, this.#node],
    ];
  }

  #hset(user: UserId): Command {
    return ["HSET", this.#keys.users(this.#node), user, encodePresence(this.#users.get(user)!)];
  }

  #join(user: UserId, name: string): Command[] {
    const key = nameKey(name);
    let room = this.#rooms.get(key);
    if (room === undefined) {
      room = { name, members: new Set() };
      this.#rooms.set(key, room);
    }
    room.members.add(user);
    return [
      ["SADD", this.#keys.room(this.#node, key), user],
      ["PEXPIRE", this.#keys.room(this.#node, key), this.#ttl],
      ["HSET", this.#keys.rooms(this.#node), key, `${room.members.size}:${room.name}`],
    ];
  }

  #leave(user: UserId, name: string): Command[] {
    const key = nameKey(name);
    const room = this.#rooms.get(key);
    room?.members.delete(user);
    const count = room?.members.size ?? 0;
    if (room !== undefined && count === 0) this.#rooms.delete(key);
    return [
      ["SREM", this.#keys.room(this.#node, key), user],
      count === 0
        ? ["HDEL", this.#keys.rooms(this.#node), key]
        : ["HSET", this.#keys.rooms(this.#node), key, `${count}:${room!.name}`],
    ];
  }

  #keepAlive(): Command[] {
    return [
      ["PEXPIRE", this.#keys.users(this.#node), this.#ttl],
      ["PEXPIRE", this.#keys.rooms(this.#node), this.#ttl],
      ["SADD", this.#keys.nodes, this.#node],
      ["PEXPIRE", this.#keys.nodes, this.#ttl],
    ];
  }
}
