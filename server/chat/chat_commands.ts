/**
 * What each chat command does. Answers that need the shared state (who is
 * where, nick claims, topics, history) go through the adapter and may come
 * later; the session runs a user's lines in order either way.
 *
 * @module
 */
import { type Awaitable, type Presence, then } from "./adapter/chat_adapter.ts";
import type { ChatNode } from "./chat_node.ts";
import { type Command, HELP_LINES } from "./commands.ts";
import { LOBBY, nameKey } from "./names.ts";
import { plural } from "../plural.ts";
import { boundedList, duration, people, timeOfDay, truncate } from "./replies.ts";
import type { Session } from "./session.ts";

/** Most names one `/who` answer lists. */
const MAX_WHO = 50;
/** Most users one `/users` answer lists (one line each). */
const MAX_USERS = 25;
/** Most rooms one `/rooms` answer lists. */
const MAX_ROOMS_LISTED = 25;
/** Longest topic, in characters. */
const MAX_TOPIC = 200;
/** Topic length shown in `/rooms`. */
const TOPIC_IN_LIST = 40;

/** Runs one parsed command for `session`. */
export function runCommand(node: ChatNode, session: Session, command: Command): Awaitable<void> {
  const tell = (line: string) => node.tell(session, line);
  switch (command.kind) {
    case "say":
      return say(node, session, `<${session.nick}> ${command.text}`);
    case "me":
      return say(node, session, `* ${session.nick} ${command.action}`);
    case "help":
      for (const line of HELP_LINES) tell(line);
      return;
    case "nick":
      return nick(node, session, command.nick);
    case "join":
      return join(node, session, command.room);
    case "part":
      if (nameKey(session.room) === LOBBY) {
        tell(`! You are in #${LOBBY} already: /join ROOM to go elsewhere`);
        return;
      }
      return join(node, session, LOBBY);
    case "rooms":
      return then(node.adapter.rooms(), (rooms) => {
        const sorted = [...rooms].sort((a, b) => b.users - a.users || a.name.localeCompare(b.name));
        const shown = sorted.map((room) =>
          `#${room.name} (${room.users})` +
          (room.topic === null ? "" : ` "${truncate(room.topic, TOPIC_IN_LIST)}"`)
        );
        tell(`* Rooms: ${boundedList(shown, MAX_ROOMS_LISTED)}`);
      });
    case "who": {
      const room = command.room ?? session.room;
      return then(node.adapter.members(room), (members) => {
        if (members.length === 0 && nameKey(room) !== LOBBY) {
          tell(`! There is no room #${room}: /rooms lists them`);
          return;
        }
        const names = members.map((p) => p.away === null ? p.nick : `${p.nick} (away)`);
        const shown = members[0]?.room ?? room;
        tell(`* In #${shown} (${members.length}): ${boundedList(names, MAX_WHO) || "nobody"}`);
      });
    }
    case "users":
      return then(node.adapter.users(), (users) => {
        const now = node.options.wallClock();
        const sorted = [...users].sort((a, b) => b.lastActive - a.lastActive);
        tell(`* ${people(users.length)} online, most recently active first:`);
        for (const p of sorted.slice(0, MAX_USERS)) {
          const away = p.away === null ? "" : `, away: ${p.away}`;
          tell(`*   ${p.nick} in #${p.room}, idle ${duration(now - p.lastActive)}${away}`);
        }
        if (sorted.length > MAX_USERS) tell(`*   and ${sorted.length - MAX_USERS} more`);
      });
    case "whois":
      return then(node.adapter.findNick(command.nick), (p) => {
        if (p === null) {
          tell(`! No one is called ${command.nick}: /users lists who is online`);
          return;
        }
        tell(whois(p, node.options.wallClock()));
      });
    case "msg":
      return then(node.adapter.findNick(command.nick), (target) => {
        if (target === null) {
          tell(`! No one is called ${command.nick}: /who lists the people in a room`);
          return;
        }
        node.toUser(target.id, `[private] <${session.nick}> ${command.text}`);
        tell(`* To ${target.nick}: ${command.text}`);
        if (target.away !== null) tell(`* ${target.nick} is away: ${target.away}`);
      });
    case "away":
      // `/away` alone ends an absence, or starts one without a message.
      setAway(
        node,
        session,
        command.message ?? (session.away === null ? "away" : null),
      );
      return;
    case "topic":
      return topic(node, session, command.topic);
    case "stats":
      return then(node.adapter.userCount(), (users) =>
        then(node.adapter.rooms(), (rooms) => {
          const up = duration(node.options.wallClock() - node.startedAt);
          const lines = node.stats().linesRelayed;
          tell(
            `* Up ${up}; ${people(users)} online in ${plural(rooms.length, "room")}; ` +
              `${plural(lines, "line")} relayed here; ` +
              `you: ${session.conn.bytesIn} bytes in, ${session.conn.bytesOut} bytes out`,
          );
        }));
    case "quit":
      session.quit = true;
      session.quitMessage = command.message ?? null;
      tell("* Bye!");
      session.conn.end();
      return;
    case "error":
      tell(`! ${command.message}`);
      return;
  }
}

/** Room talk: relayed, recorded in history, and a hint if nobody else is there. */
function say(node: ChatNode, session: Session, line: string): Awaitable<void> {
  if (session.away !== null) setAway(node, session, null);
  node.countLine();
  node.toRoom(session.room, `[${session.room}] ${line}`, session);
  node.adapter.record(session.room, { at: node.options.wallClock(), line });
  if (session.hintedRoom === session.room || node.localMembers(session.room) > 1) return;
  // Asked once per room visit, whatever the answer: not a query per line.
  session.hintedRoom = session.room;
  return then(node.adapter.members(session.room), (members) => {
    if (members.length > 1 || session.leaving) return;
    node.tell(
      session,
      `* Nobody else is in #${session.room} right now: /rooms shows where people are`,
    );
  });
}

function nick(node: ChatNode, session: Session, wanted: string): Awaitable<void> {
  const old = session.nick;
  if (wanted === old) {
    node.tell(session, `* You are already ${old}`);
    return;
  }
  return then(node.adapter.claimNick(session.id, wanted), (claimed) => {
    if (session.leaving) {
      if (claimed && nameKey(wanted) !== nameKey(old)) node.adapter.releaseNick(session.id, wanted);
      return;
    }
    if (!claimed) {
      node.tell(session, `! The nickname ${wanted} is taken: choose another`);
      return;
    }
    if (nameKey(wanted) !== nameKey(old)) node.adapter.releaseNick(session.id, old);
    session.nick = wanted;
    node.adapter.updatePresence(session.id, { nick: wanted });
    node.tell(session, `* You are now known as ${wanted}`);
    if (session.announced) node.toRoom(session.room, `* ${old} is now known as ${wanted}`, session);
  });
}

function join(node: ChatNode, session: Session, room: string): Awaitable<void> {
  if (nameKey(room) === nameKey(session.room)) {
    node.tell(session, `* You are in #${session.room} already`);
    return;
  }
  return then(node.adapter.rooms(), (rooms) => {
    const existing = rooms.find((r) => nameKey(r.name) === nameKey(room));
    if (existing === undefined && rooms.length >= node.options.maxRooms) {
      node.tell(
        session,
        `! There are ${rooms.length} rooms already, the most this server allows: /rooms lists them`,
      );
      return;
    }
    if (session.leaving) return;
    const name = existing?.name ?? room;
    const from = session.room;
    node.moveLocal(session, name);
    if (session.announced) node.toRoom(from, `* ${session.nick} left #${from}`, null);
    const here = (existing?.users ?? 0) + 1;
    node.tell(session, `* You joined #${name} (${people(here)} here)`);
    if (existing?.topic != null) node.tell(session, `* Topic of #${name}: ${existing.topic}`);
    if (session.announced) node.toRoom(name, `* ${session.nick} joined #${name}`, session);
    return then(node.adapter.history(name), (history) => {
      if (history.length === 0 || session.leaving) return;
      node.tell(
        session,
        `* Last ${history.length === 1 ? "line" : `${history.length} lines`} in #${name} (UTC):`,
      );
      for (const entry of history) {
        node.tell(session, `[${name}] ${timeOfDay(entry.at)} ${entry.line}`);
      }
      node.tell(session, "* End of history");
    });
  });
}

function topic(node: ChatNode, session: Session, text: string | undefined): Awaitable<void> {
  const room = session.room;
  if (text === undefined) {
    return then(node.adapter.topic(room), (current) => {
      node.tell(
        session,
        current === null
          ? `* #${room} has no topic: /topic TEXT sets one`
          : `* Topic of #${room}: ${current}`,
      );
    });
  }
  if (text === "-") {
    node.adapter.setTopic(room, null);
    node.toRoom(room, `* ${session.nick} cleared the topic of #${room}`, null);
    return;
  }
  const topicText = truncate(text, MAX_TOPIC);
  node.adapter.setTopic(room, topicText);
  node.toRoom(room, `* ${session.nick} set the topic of #${room}: ${topicText}`, null);
}

function setAway(node: ChatNode, session: Session, message: string | null): void {
  session.away = message;
  node.adapter.updatePresence(session.id, { away: message });
  node.tell(session, message === null ? "* You are back" : `* You are away: ${message}`);
}

function whois(p: Presence, now: number): string {
  const away = p.away === null ? "" : `; away: ${p.away}`;
  const client = p.client === "telnet" ? "a telnet client" : "a raw client (nc or similar)";
  return `* ${p.nick} is in #${p.room}, connected for ${duration(now - p.since)}, ` +
    `idle for ${duration(now - p.lastActive)}, using ${client}${away}`;
}
