/**
 * Every Redis key and the channel the Redis adapter uses, in one place,
 * with their lifetimes. Names are ASCII: nick and room parts are
 * {@link nameKey}s (`[a-z0-9_-]`), node ids are sanitized (see
 * `node_id.ts`), so no part can forge another key.
 *
 * | key                              | type   | lifetime                                                  |
 * | -------------------------------- | ------ | --------------------------------------------------------- |
 * | `echochat:events:db<N>`          | channel| pub/sub: every chat event, with its sender's node id       |
 * | `echochat:guests`                | string | INCR counter of guest numbers; no expiry (one integer)     |
 * | `echochat:nick:<nick>`           | string | the holder's user id; TTL, renewed by the holder's node    |
 * | `echochat:nodes`                 | set    | node ids that may have users; TTL renewed by every node;   |
 * |                                  |        | a node without a users hash is removed when listing        |
 * | `echochat:node:<id>:users`       | hash   | user id -> presence JSON; TTL renewed by its node          |
 * | `echochat:node:<id>:rooms`       | hash   | room key -> `count:name` of that node's users; same TTL    |
 * | `echochat:node:<id>:room:<room>` | set    | that node's user ids in the room; same TTL                 |
 * | `echochat:topic:<room>`          | string | the topic; TTL renewed by every node with users in it      |
 * | `echochat:history:<room>`        | stream | last lines (`MAXLEN ~`); expires a day after its last line |
 *
 * Pub/sub channels are not scoped to a database, so the channel name
 * carries the URL's database number: two chats on databases 0 and 1 of
 * one Redis stay apart.
 *
 * @module
 */
import { nameKey } from "../names.ts";

/** The prefix of every key; scripts build per-node keys from it. */
export const PREFIX = "echochat:";

/** The names of the adapter's keys for one chat (one Redis database). */
export class RedisKeys {
  /** The pub/sub channel of every chat event. */
  readonly channel: string;
  /** The guest number counter. */
  readonly guests = `${PREFIX}guests`;
  /** The set of node ids that may have users. */
  readonly nodes = `${PREFIX}nodes`;

  constructor(database: number) {
    this.channel = `${PREFIX}events:db${database}`;
  }

  /** Who holds `nick` (ignoring case). */
  nick(nick: string): string {
    return `${PREFIX}nick:${nameKey(nick)}`;
  }

  /** `node`'s users: user id -> presence JSON. */
  users(node: string): string {
    return `${PREFIX}node:${node}:users`;
  }

  /** `node`'s rooms: room key -> `count:name`. */
  rooms(node: string): string {
    return `${PREFIX}node:${node}:rooms`;
  }

  /** `node`'s user ids in `room`. */
  room(node: string, room: string): string {
    return `${PREFIX}node:${node}:room:${nameKey(room)}`;
  }

  /** `room`'s topic. */
  topic(room: string): string {
    return `${PREFIX}topic:${nameKey(room)}`;
  }

  /** `room`'s recent lines. */
  history(room: string): string {
    return `${PREFIX}history:${nameKey(room)}`;
  }
}

/** The database number of a `redis://host:port/N` URL (0 without a path). */
export function databaseOf(url: string): number {
  const path = new URL(url).pathname.replace(/^\//, "");
  return /^\d+$/.test(path) ? Number(path) : 0;
}
