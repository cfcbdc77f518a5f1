import { getLogger } from "@logtape/logtape";
import type { CloseReason, Conn, Handler } from "../../reactor/mod.ts";
import { type Command, HELP_LINES, parseCommand } from "./commands.ts";
import type { LineSink } from "./line_decoder.ts";
import { NickRegistry } from "./nick_registry.ts";
import { LOBBY, Rooms } from "./rooms.ts";
import { Session } from "./session.ts";
import type { ChatOptions } from "./chat_options.ts";

const log = getLogger(["echochat", "chat"]);

/** What the chat reports about itself (for `/stats`, metrics and the status page). */
export interface ChatStats {
  /** Users online. */
  users: number;
  /** Rooms with their user counts. */
  rooms: { name: string; users: number }[];
  /** Lines said in rooms (`say` and `/me`) since the start. */
  linesRelayed: number;
}

/** The chat protocol's handler, which also reports its figures. */
export interface ChatHandler extends Handler<Session> {
  /** The chat's figures now. */
  stats(): ChatStats;
}

/** Most names one /who answer lists. */
const MAX_WHO_NAMES = 100;

const encoder = new TextEncoder();
const encode = (line: string) => encoder.encode(`${line}\r\n`);

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

/**
 * The chat protocol for `telnet` and `nc` users: nicknames, rooms, private
 * messages and `/`-commands, one line at a time. Lines out end with CRLF
 * (what telnet expects; nc shows them fine).
 *
 * Conventions on the wire: room talk is `[room] <nick> text`, private
 * messages `[private] <nick> text`, notices start with `* `, errors with `! `.
 * A sender never gets its own message back. Every line sent to a room is
 * encoded once and the same bytes are queued on every member; the reactor
 * coalesces what each member gets during one turn into one write.
 */
export function createChatHandler(options: ChatOptions): ChatHandler {
  const sessionOptions = options;
  /** Refused lines in a row after which a flooding client is disconnected. */
  const floodLimit = 2 * options.rateBurst;
  const maxWhoNames = MAX_WHO_NAMES;
  let guests = 0;
  const nicks = new NickRegistry<Session>();
  const rooms = new Rooms<Session>();
  let online = 0;
  let linesRelayed = 0;

  const tell = (session: Session, line: string) => session.conn.write(encode(line));
  const nickOf = (session: Session) => nicks.nickOf(session) ?? session.guestNick;
  const roomOf = (session: Session) => rooms.roomOf(session) ?? LOBBY;
  const roomName = (room: string) => rooms.nameOf(room) ?? room;

  /**
   * Sends one line to everyone in `room` except `except`. Iterates the live
   * member set: a member that a write disconnects (slow consumer) leaves it
   * during the loop, which `Set` iteration tolerates.
   */
  function broadcast(room: string, line: string, except: Session | null): void {
    const bytes = encode(line);
    for (const member of rooms.members(room)) {
      if (member !== except && !member.leaving) member.conn.write(bytes);
    }
  }

  function execute(session: Session, command: Command): void {
    const nick = nickOf(session);
    const room = roomOf(session);
    switch (command.kind) {
      case "say":
        linesRelayed++;
        broadcast(room, `[${roomName(room)}] <${nick}> ${command.text}`, session);
        return;
      case "me":
        linesRelayed++;
        broadcast(room, `[${roomName(room)}] * ${nick} ${command.action}`, session);
        return;
      case "help":
        for (const line of HELP_LINES) tell(session, line);
        return;
      case "nick": {
        if (command.nick === nick) {
          tell(session, `* You are already ${nick}`);
          return;
        }
        const old = nicks.rename(session, command.nick);
        if (old === undefined) {
          tell(session, `! The nickname ${command.nick} is taken: choose another`);
          return;
        }
        const now = nickOf(session);
        tell(session, `* You are now known as ${now}`);
        broadcast(room, `* ${old} is now known as ${now}`, session);
        return;
      }
      case "join":
        move(session, command.room);
        return;
      case "part":
        if (room === LOBBY) {
          tell(session, `! You are in #${LOBBY} already: /join ROOM to go elsewhere`);
        } else move(session, LOBBY);
        return;
      case "rooms":
        tell(
          session,
          `* Rooms: ${rooms.list().map((info) => `#${info.name} (${info.count})`).join(", ")}`,
        );
        return;
      case "who": {
        const target = command.room ?? room;
        const members = [...rooms.members(target)];
        if (members.length === 0) {
          tell(session, `! There is no room #${target}: /rooms lists them`);
          return;
        }
        const names = members.slice(0, maxWhoNames).map(nickOf);
        const more = members.length > maxWhoNames
          ? ` and ${members.length - maxWhoNames} more`
          : "";
        tell(session, `* In #${roomName(target)} (${members.length}): ${names.join(", ")}${more}`);
        return;
      }
      case "msg": {
        const target = nicks.lookup(command.nick);
        if (target === undefined || target.leaving) {
          tell(session, `! No one is called ${command.nick}: /who lists the people in a room`);
          return;
        }
        target.conn.write(encode(`[private] <${nick}> ${command.text}`));
        tell(session, `* To ${nickOf(target)}: ${command.text}`);
        return;
      }
      case "quit":
        session.quit = true;
        session.quitMessage = command.message ?? null;
        tell(session, "* Bye!");
        session.conn.end();
        return;
      case "error":
        tell(session, `! ${command.message}`);
        return;
    }
  }

  function move(session: Session, target: string): void {
    const nick = nickOf(session);
    const result = rooms.join(session, target);
    if (!result.moved) {
      tell(session, `* You are in #${roomName(result.room)} already`);
      return;
    }
    if (result.left !== undefined) {
      broadcast(result.left, `* ${nick} left #${roomName(result.left)}`, null);
    }
    const name = roomName(result.room);
    broadcast(result.room, `* ${nick} joined #${name}`, session);
    const members = rooms.members(result.room).size;
    tell(session, `* You joined #${name} (${members} ${members === 1 ? "person" : "people"} here)`);
  }

  function onLine(session: Session, line: string): void {
    if (session.leaving) return;
    if (!session.bucket.tryTake()) {
      session.refusedInRow++;
      if (session.refusedInRow === 1) {
        tell(
          session,
          `! Slow down: at most ${sessionOptions.rateLimit} lines per second; line dropped`,
        );
      }
      if (session.refusedInRow >= floodLimit) {
        tell(session, "! Disconnected for flooding");
        session.kickedFor = "flooding";
        log.info("Connection {id} disconnected for flooding", { id: session.conn.id });
        session.conn.end();
      }
      return;
    }
    session.refusedInRow = 0;
    execute(session, parseCommand(line));
  }

  /** The decoder's callbacks for one session, made once when it connects. */
  const sinkFor = (session: Session): LineSink => ({
    onLine: (line) => onLine(session, line),
    onOversize: (limit) => tell(session, `! Line too long (over ${limit} bytes): it was dropped`),
    onTelnetReply: (bytes) => session.conn.write(bytes),
    onTelnetCommand: (command) => {
      if (command === "are-you-there") tell(session, `[${options.serverName}: yes]`);
    },
  });

  return {
    stats: () => ({
      users: online,
      rooms: rooms.list().map((room) => ({ name: room.name, users: room.count })),
      linesRelayed,
    }),
    onOpen(conn: Conn<Session>): Session {
      const session = new Session(conn, sessionOptions);
      session.sink = sinkFor(session);
      // Telnet: ask for 8-bit input first, so the very first typed line is clean.
      conn.write(session.decoder.telnet.open());
      session.guestNick = `guest-${++guests}`;
      const nick = nicks.claimDefault(session, guests);
      rooms.join(session, LOBBY);
      online++;
      const others = online - 1;
      tell(
        session,
        `Welcome to ${options.serverName}! ${online} ${online === 1 ? "person" : "people"} online.`,
      );
      tell(
        session,
        `You are ${nick}, in #${LOBBY}. Type /help for commands, /nick NAME to pick a name.`,
      );
      if (others > 0) broadcast(LOBBY, `* ${nick} joined #${LOBBY}`, session);
      return session;
    },
    onData(conn: Conn<Session>, bytes: Uint8Array): void {
      conn.state.decoder.push(bytes, conn.state.sink);
    },
    onIdle(conn: Conn<Session>): void {
      tell(
        conn.state,
        `! You have been idle a while: send anything within ${options.idleGraceSeconds} s to stay connected`,
      );
    },
    onClose(conn: Conn<Session>, reason: CloseReason): void {
      const session = conn.state;
      if (session === undefined) return;
      if (reason === "eof") session.decoder.end(session.sink);
      else if (reason === "idle") tell(session, "! Disconnected: idle for too long");
      else if (reason === "shutdown") tell(session, "! The server is shutting down. Goodbye!");
      session.leaving = true;
      online--;
      const nick = nickOf(session);
      const room = rooms.leave(session);
      nicks.release(session);
      session.farewell = {
        nick,
        room: room ?? null,
        why: session.quit ? "quit" : session.kickedFor ?? LOG_REASONS[reason],
      };
      if (room === undefined || reason === "shutdown") return;
      const why = session.quitMessage ?? session.kickedFor ?? LEAVE_REASONS[reason] ?? null;
      const verb = session.quit ? "quit" : "left";
      broadcast(room, `* ${nick} ${verb}${why === null ? "" : ` (${why})`}`, null);
    },
  };
}
