import type { CloseReason } from "../../reactor/mod.ts";
import {
  type Awaitable,
  type ChatAdapter,
  type ChatEvent,
  type Presence,
  then,
  type UserId,
} from "./adapter/chat_adapter.ts";
import type { ChatOptions } from "./chat_options.ts";
import { LOBBY, nameKey, nickCandidate } from "./names.ts";
import { boundedList, duration, people } from "./replies.ts";
import type { Session } from "./session.ts";

const encoder = new TextEncoder();

/** A line as it goes on the wire: UTF-8 with CRLF (what telnet expects; nc shows it fine). */
export function encodeLine(line: string): Uint8Array {
  return encoder.encode(`${line}\r\n`);
}

/**
 * How long a new connection stays unannounced unless it sends something:
 * port scans and TCP health checks come and go within it, so the room never
 * hears of them, while a real user who only reads is announced soon after.
 */
export const ANNOUNCE_AFTER_MS = 1000;

/** Arrivals in one room and one heartbeat announced one by one; more get one summary line. */
const MAX_SINGLE_ANNOUNCEMENTS = 3;

/** Why a user left, as the rest of the room reads it. */
const LEAVE_REASONS: Partial<Record<CloseReason, string>> = {
  idle: "idle",
  reset: "connection lost",
  error: "connection lost",
  "slow-consumer": "too slow to keep up",
};

/** Why a user left, as the close log line says it. */
const LOG_REASONS: Record<CloseReason, string> = {
  eof: "left",
  reset: "connection lost",
  error: "connection lost",
  idle: "idle",
  shutdown: "shutdown",
  server: "kicked",
  "slow-consumer": "slow consumer",
};

/** What the chat reports about this server (for `/stats`, metrics and the status page). */
export interface ChatStats {
  /** Users connected to this server. */
  users: number;
  /** Rooms with users on this server, with their counts. */
  rooms: { name: string; users: number }[];
  /** Lines said in rooms (`say` and `/me`) on this server since it started. */
  linesRelayed: number;
}

/**
 * This server's part of the chat: its sessions, which of them are in which
 * room, and delivery. A line for a room is encoded once and the same bytes
 * are queued on every local member (the reactor coalesces each member's
 * lines of one turn into one write); other servers get it through the
 * adapter and deliver it to theirs.
 */
export class ChatNode {
  readonly adapter: ChatAdapter;
  readonly options: ChatOptions;
  readonly #sessions = new Map<UserId, Session>();
  readonly #rooms = new Map<string, Set<Session>>();
  readonly #unannounced = new Set<Session>();
  readonly #throttled = new Set<Session>();
  readonly #startedAt: number;
  #linesRelayed = 0;

  constructor(adapter: ChatAdapter, options: ChatOptions) {
    this.adapter = adapter;
    this.options = options;
    this.#startedAt = options.wallClock();
  }

  /** Starts hearing other servers' events. */
  start(): Promise<void> {
    return this.adapter.start({
      event: (event) => this.#deliver(event),
      link: (up) =>
        this.toAll(
          up
            ? "* The link to the other servers is back: you see everyone again"
            : "* The link to the other servers is down: for now you see only people on this server",
          false,
        ),
      nickLost: (user, nick) => this.#nickLost(user, nick),
    });
  }

  /**
   * Another user took `nick` while the link was down: the session gets the
   * next free `nick-2`, `nick-3`, ... (in its turn, after its waiting lines).
   */
  #nickLost(user: UserId, nick: string): void {
    const session = this.#sessions.get(user);
    session?.run(() => {
      if (session.leaving || nameKey(session.nick) !== nameKey(nick)) return;
      return this.#rename(session, nick, 2);
    });
  }

  #rename(session: Session, lost: string, attempt: number): Awaitable<void> {
    const nick = nickCandidate(lost, attempt);
    return then(this.adapter.claimNick(session.id, nick), (claimed) => {
      if (session.leaving || nameKey(session.nick) !== nameKey(lost)) {
        if (claimed) this.adapter.releaseNick(session.id, nick);
        return;
      }
      if (!claimed) return this.#rename(session, lost, attempt + 1);
      session.nick = nick;
      this.adapter.updatePresence(session.id, { nick });
      this.tell(
        session,
        `* Someone on another server took the nickname ${lost} while the link was down:` +
          ` you are now ${nick}`,
      );
      if (session.announced) {
        this.toRoom(session.room, `* ${lost} is now known as ${nick}`, session);
      }
    });
  }

  /** Wall-clock time the chat started, for `/stats`. */
  get startedAt(): number {
    return this.#startedAt;
  }

  /** Figures for metrics, the status page and `/stats`. */
  stats(): ChatStats {
    return {
      users: this.#sessions.size,
      rooms: [...this.#rooms.values()].map((members) => ({
        name: (members.values().next().value as Session).room,
        users: members.size,
      })),
      linesRelayed: this.#linesRelayed,
    };
  }

  /** Counts one line said in a room. */
  countLine(): void {
    this.#linesRelayed++;
  }

  /** Writes one line to one session. */
  tell(session: Session, line: string): void {
    session.conn.write(encodeLine(line));
  }

  /** Sends a line to every member of `room` but `except`, here and on other servers. */
  toRoom(room: string, line: string, except: Session | null): void {
    this.#toLocalRoom(nameKey(room), encodeLine(line), except?.id ?? null);
    this.adapter.publish({ kind: "room", room, line, except: except?.id ?? null });
  }

  /** Sends a line to one user, wherever they are connected. */
  toUser(user: UserId, line: string): void {
    const local = this.#sessions.get(user);
    if (local !== undefined) this.tell(local, line);
    else this.adapter.publish({ kind: "user", to: user, line });
  }

  /** Sends a line to everyone here, and to everyone elsewhere if `everywhere`. */
  toAll(line: string, everywhere: boolean): void {
    const bytes = encodeLine(line);
    for (const session of this.#sessions.values()) {
      if (session.joined && !session.leaving) session.conn.write(bytes);
    }
    if (everywhere) this.adapter.publish({ kind: "all", line });
  }

  /** Local members of `room`, for "nobody else is here" checks. */
  localMembers(room: string): number {
    return this.#rooms.get(nameKey(room))?.size ?? 0;
  }

  /** What other servers need to know about `session`. */
  presenceOf(session: Session): Presence {
    return {
      id: session.id,
      nick: session.nick,
      room: session.room,
      client: session.telnet ? "telnet" : "raw",
      since: session.since,
      lastActive: session.lastActive,
      away: session.away,
    };
  }

  /**
   * A new connection: a guest nick, the lobby and the welcome. Lines the
   * user sends meanwhile wait for it (the session runs steps in order).
   */
  open(session: Session): void {
    this.#sessions.set(session.id, session);
    session.run(() =>
      then(this.adapter.nextGuestNumber(), (n) => this.#claimGuest(session, `guest-${n}`, 1))
    );
  }

  #claimGuest(session: Session, base: string, attempt: number): Awaitable<void> {
    const nick = nickCandidate(base, attempt);
    return then(this.adapter.claimNick(session.id, nick), (claimed) => {
      if (session.leaving) {
        if (claimed) this.adapter.releaseNick(session.id, nick);
        return;
      }
      if (!claimed) return this.#claimGuest(session, base, attempt + 1);
      session.nick = nick;
      session.room = LOBBY;
      session.joined = true;
      this.adapter.setPresence(this.presenceOf(session));
      this.#joinLocal(session, LOBBY);
      this.#unannounced.add(session);
      return then(this.adapter.userCount(), (count) => this.#welcome(session, count));
    });
  }

  #welcome(session: Session, online: number): void {
    const { serverName, idleTimeoutSeconds, idleGraceSeconds } = this.options;
    this.tell(session, `Welcome to ${serverName}! ${people(online)} online.`);
    this.tell(
      session,
      `You are ${session.nick}, in #${LOBBY}. Type /help for commands, /nick NAME to pick a name.`,
    );
    if (idleTimeoutSeconds > 0) {
      const quiet = duration(idleTimeoutSeconds * 1000);
      this.tell(
        session,
        `After ${quiet} without input you get a warning and ${idleGraceSeconds} s to answer` +
          " (telnet answers by itself).",
      );
    }
  }

  /** Tells the room the user is here, once (on a first line, or a moment after connecting). */
  announce(session: Session): void {
    if (session.announced || !session.joined) return;
    session.announced = true;
    this.#unannounced.delete(session);
    this.toRoom(session.room, `* ${session.nick} joined #${session.room}`, session);
  }

  /**
   * Announces everyone who arrived in one room during one heartbeat: one
   * line each for a few, one summary line for many (2,000 people connecting
   * at once would otherwise cost every member 2,000 lines).
   */
  #announceAll(arrivals: Session[]): void {
    if (arrivals.length <= MAX_SINGLE_ANNOUNCEMENTS) {
      for (const session of arrivals) this.announce(session);
      return;
    }
    for (const session of arrivals) {
      session.announced = true;
      this.#unannounced.delete(session);
    }
    const room = (arrivals[0] as Session).room;
    const names = boundedList(arrivals.map((session) => session.nick), 10);
    this.toRoom(room, `* ${people(arrivals.length)} joined #${room}: ${names}`, null);
  }

  /** Moves a joined session between rooms, here; presence follows. */
  moveLocal(session: Session, room: string): void {
    this.#leaveLocal(session);
    session.room = room;
    session.hintedRoom = null;
    this.#joinLocal(session, room);
    this.adapter.setPresence(this.presenceOf(session));
  }

  /** A line refused by flood control: remember to say when the user may speak again. */
  throttle(session: Session): void {
    this.#throttled.add(session);
  }

  /**
   * The close is decided: the user leaves the chat now (room notice, nick
   * and presence released), whatever the socket still does.
   */
  close(session: Session, reason: CloseReason): void {
    session.leaving = true;
    this.#sessions.delete(session.id);
    this.#unannounced.delete(session);
    this.#throttled.delete(session);
    if (!session.joined) return;
    const room = session.room;
    this.#leaveLocal(session);
    this.adapter.removePresence(session.id);
    this.adapter.releaseNick(session.id, session.nick);
    const why = session.quit ? "quit" : session.kickedFor ??
      (reason === "idle" && session.probed ? "no answer" : LOG_REASONS[reason]);
    session.farewell = { nick: session.nick, room, why };
    if (!session.announced || reason === "shutdown") return;
    const shown = session.quitMessage ?? session.kickedFor ??
      (session.probed && reason === "idle" ? "connection lost" : LEAVE_REASONS[reason]) ?? null;
    const verb = session.quit ? "quit" : "left";
    this.toRoom(room, `* ${session.nick} ${verb}${shown === null ? "" : ` (${shown})`}`, null);
  }

  /**
   * The heartbeat: announces users who have been connected for a moment,
   * and tells throttled users they may speak again.
   */
  tick(now: number): void {
    const due = new Map<string, Session[]>();
    for (const session of this.#unannounced) {
      if (now - session.conn.openedAt < ANNOUNCE_AFTER_MS) break;
      const key = nameKey(session.room);
      const arrivals = due.get(key);
      if (arrivals === undefined) due.set(key, [session]);
      else arrivals.push(session);
    }
    for (const arrivals of due.values()) this.#announceAll(arrivals);
    for (const session of this.#throttled) {
      if (session.bucket.tokens < 1) continue;
      this.#throttled.delete(session);
      const dropped = session.refusedInRow;
      session.refusedInRow = 0;
      this.tell(
        session,
        `* You may speak again: ${dropped} ${dropped === 1 ? "line was" : "lines were"} dropped`,
      );
    }
  }

  #deliver(event: ChatEvent): void {
    switch (event.kind) {
      case "room":
        this.#toLocalRoom(nameKey(event.room), encodeLine(event.line), event.except);
        return;
      case "user": {
        const session = this.#sessions.get(event.to);
        if (session !== undefined) this.tell(session, event.line);
        return;
      }
      case "all":
        this.toAll(event.line, false);
        return;
    }
  }

  #toLocalRoom(key: string, bytes: Uint8Array, except: UserId | null): void {
    const members = this.#rooms.get(key);
    if (members === undefined) return;
    // A member a write disconnects (slow consumer) leaves the set during the
    // loop, which Set iteration tolerates.
    for (const member of members) {
      if (member.id !== except && !member.leaving) member.conn.write(bytes);
    }
  }

  #joinLocal(session: Session, room: string): void {
    const key = nameKey(room);
    let members = this.#rooms.get(key);
    if (members === undefined) {
      members = new Set();
      this.#rooms.set(key, members);
    }
    members.add(session);
  }

  #leaveLocal(session: Session): void {
    const key = nameKey(session.room);
    const members = this.#rooms.get(key);
    if (members === undefined) return;
    members.delete(session);
    if (members.size === 0) this.#rooms.delete(key);
  }
}
