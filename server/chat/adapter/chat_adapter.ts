/**
 * The chat's shared state behind one small interface (Socket.IO's adapter
 * design): nick claims, presence, topics, history and the bus that carries
 * room lines between servers. The chat's protocol code calls only this, so
 * it does not know whether it runs alone (the in-process adapter), as one
 * of several workers (the hub adapter) or as one of several servers (the
 * Redis adapter).
 *
 * Each server (node) keeps its own connections and delivers lines to its
 * own members; the adapter carries what other nodes must deliver. Methods
 * that need an answer from the shared state may answer at once or later
 * ({@link Awaitable}); the in-process adapter always answers at once.
 *
 * @module
 */

/** A value now, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * Calls `next` with the value, at once if there is one, else when the
 * promise settles: code that chains adapter answers stays synchronous with
 * the in-process adapter.
 */
export function then<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** A user anywhere in the chat: `node/connection id`. */
export type UserId = string;

/** What everyone may know about a user who is online. */
export interface Presence {
  /** Who. */
  id: UserId;
  /** The nickname, as the user spelled it. */
  nick: string;
  /** The room's name as shown (without `#`). */
  room: string;
  /** Whether the client answered telnet negotiation (`telnet`) or not (`raw`, e.g. nc). */
  client: "telnet" | "raw";
  /** Wall-clock time of the connect, in epoch milliseconds. */
  since: number;
  /** Wall-clock time of the user's last line, in epoch milliseconds. */
  lastActive: number;
  /** The away message, or `null`. */
  away: string | null;
}

/** A room as `/rooms` lists it. */
export interface RoomInfo {
  /** The name as shown (without `#`). */
  name: string;
  /** Users in it. */
  users: number;
  /** Its topic, or `null`. */
  topic: string | null;
}

/** One line of a room's history. */
export interface HistoryEntry {
  /** Wall-clock time it was said, in epoch milliseconds. */
  at: number;
  /** The line as members saw it (`<nick> text` or `* nick action`), without the room tag. */
  line: string;
}

/**
 * What nodes tell each other. A node never receives its own events back;
 * it delivers them to its own connections itself.
 */
export type ChatEvent =
  /** A line for every member of `room` but `except`. */
  | { kind: "room"; room: string; line: string; except: UserId | null }
  /** A line for one user. */
  | { kind: "user"; to: UserId; line: string }
  /** A line for every user, whatever their room. */
  | { kind: "all"; line: string };

/** What an adapter reports to its node. */
export interface AdapterListener {
  /** Another node sent an event for this node's connections. */
  event(event: ChatEvent): void;
  /** The link to the other nodes went down (`false`) or came back (`true`). */
  link(up: boolean): void;
  /**
   * `user`, on this node, no longer holds `nick`: while the link was down
   * another user claimed it. The node gives the user another nick and tells
   * them. Only adapters whose claims can lapse call it.
   */
  nickLost?(user: UserId, nick: string): void;
}

/** The chat's shared state; see the module documentation. */
export interface ChatAdapter {
  /** This node's name, the prefix of its {@link UserId}s. */
  readonly nodeId: string;
  /** Starts delivering events and link changes to `listener`. */
  start(listener: AdapterListener): Promise<void>;
  /** Releases everything this node holds (nicks, presence) and disconnects. */
  close(): Promise<void>;

  /** A guest number no other user of the chat has been given. */
  nextGuestNumber(): Awaitable<number>;
  /**
   * Gives `nick` to `user` if no other user holds it, ignoring case; the
   * check and the claim are one atomic step. Returns whether it did.
   */
  claimNick(user: UserId, nick: string): Awaitable<boolean>;
  /** Frees `nick` if `user` holds it. */
  releaseNick(user: UserId, nick: string): void;

  /** Adds or replaces a user's presence (on connect, nick change, room change). */
  setPresence(presence: Presence): void;
  /** Updates part of a user's presence (activity, away). */
  updatePresence(user: UserId, change: Partial<Omit<Presence, "id">>): void;
  /** Removes a user's presence (on leave). */
  removePresence(user: UserId): void;
  /** The user holding `nick` (ignoring case), or `null`. */
  findNick(nick: string): Awaitable<Presence | null>;
  /** How many users are online. */
  userCount(): Awaitable<number>;
  /** Everyone online. */
  users(): Awaitable<Presence[]>;
  /** Everyone in `room` (ignoring case). */
  members(room: string): Awaitable<Presence[]>;
  /** Every room with users, and the lobby. */
  rooms(): Awaitable<RoomInfo[]>;

  /** Sets (or clears, with `null`) a room's topic. */
  setTopic(room: string, topic: string | null): void;
  /** A room's topic, or `null`. */
  topic(room: string): Awaitable<string | null>;
  /** Appends a line to a room's history (bounded: old lines fall out). */
  record(room: string, entry: HistoryEntry): void;
  /** A room's recent lines, oldest first. */
  history(room: string): Awaitable<HistoryEntry[]>;

  /** Sends an event to every other node. */
  publish(event: ChatEvent): void;
}
