/**
 * Parser from one decoded chat line to a command value. Pure: the chat
 * handler decides what each command does.
 *
 * @module
 */

import { validateNick, validateRoomName } from "./names.ts";

/**
 * Everything a user line can mean. `error` carries a one-line message for
 * the user that says what would work; every other kind carries arguments
 * already validated (names obey `names.ts`, required texts are non-empty).
 */
export type Command =
  | { kind: "say"; text: string }
  | { kind: "help" }
  | { kind: "nick"; nick: string }
  | { kind: "join"; room: string }
  | { kind: "part" }
  | { kind: "rooms" }
  | { kind: "who"; room?: string }
  | { kind: "msg"; nick: string; text: string }
  | { kind: "me"; action: string }
  | { kind: "quit"; message?: string }
  | { kind: "users" }
  | { kind: "whois"; nick: string }
  | { kind: "away"; message?: string }
  | { kind: "topic"; topic?: string }
  | { kind: "stats" }
  | { kind: "error"; message: string };

/** The help text, one entry per output line, describing every command. */
export const HELP_LINES: readonly string[] = [
  "Commands (names are not case-sensitive):",
  "  /help              show this help",
  "  /nick NAME         change your nickname (1-24 letters, digits, _ or -)",
  "  /join ROOM         move to ROOM, creating it if needed (#ROOM works too)",
  "  /part              leave your room and go back to #lobby",
  "  /rooms             list rooms and how many people are in each",
  "  /who [ROOM]        list the people in your room, or in ROOM",
  "  /users             list everyone online, with their room and idle time",
  "  /whois NICK        show where NICK is, for how long, and whether away",
  "  /msg NICK text     send a private message to NICK",
  "  /me action         describe an action, shown as '* yourname action'",
  "  /away [message]    mark yourself away (shown to others); /away alone or talking ends it",
  "  /topic [text]      show or set your room's topic; /topic - clears it",
  "  /stats             server figures and your connection's bytes",
  "  /quit [message]    disconnect, with an optional goodbye message",
  "Any other line is sent to everyone in your room; start it with // to send a line beginning with /.",
];

/** Longest part of an unknown command name echoed back in the error message. */
const MAX_ECHOED = 32;

/**
 * Parses one sanitized line (as delivered by `LineDecoder`). Lines that do
 * not start with `/` are said as they are; `//text` says `/text`. Command
 * names are case-insensitive; arguments are separated by whitespace, and
 * the free text of `/msg`, `/me` and `/quit` keeps its inner spacing.
 */
export function parseCommand(line: string): Command {
  if (!line.startsWith("/")) return { kind: "say", text: line };
  if (line.startsWith("//")) return { kind: "say", text: line.slice(1) };

  const space = line.search(/\s/);
  const word = space < 0 ? line.slice(1) : line.slice(1, space);
  const name = word.toLowerCase();
  const rest = space < 0 ? "" : line.slice(space).trim();

  switch (name) {
    case "help":
      return { kind: "help" };
    case "nick": {
      const args = words(rest);
      if (args.length !== 1) return usage("/nick NAME");
      const nick = validateNick(args[0] as string);
      return nick.ok ? { kind: "nick", nick: nick.name } : { kind: "error", message: nick.error };
    }
    case "join": {
      const args = words(rest);
      if (args.length !== 1) return usage("/join ROOM");
      const room = validateRoomName(args[0] as string);
      return room.ok ? { kind: "join", room: room.name } : { kind: "error", message: room.error };
    }
    case "part":
      return rest === "" ? { kind: "part" } : usage("/part");
    case "rooms":
      return rest === "" ? { kind: "rooms" } : usage("/rooms");
    case "who": {
      const args = words(rest);
      if (args.length === 0) return { kind: "who" };
      if (args.length !== 1) return usage("/who [ROOM]");
      const room = validateRoomName(args[0] as string);
      return room.ok ? { kind: "who", room: room.name } : { kind: "error", message: room.error };
    }
    case "msg": {
      const split = rest.search(/\s/);
      if (split < 0) return usage("/msg NICK text");
      const nick = validateNick(rest.slice(0, split));
      if (!nick.ok) return { kind: "error", message: nick.error };
      return { kind: "msg", nick: nick.name, text: rest.slice(split).trimStart() };
    }
    case "me":
      return rest === "" ? usage("/me action") : { kind: "me", action: rest };
    case "quit":
      return rest === "" ? { kind: "quit" } : { kind: "quit", message: rest };
    case "users":
      return rest === "" ? { kind: "users" } : usage("/users");
    case "stats":
      return rest === "" ? { kind: "stats" } : usage("/stats");
    case "whois": {
      const args = words(rest);
      if (args.length !== 1) return usage("/whois NICK");
      const nick = validateNick(args[0] as string);
      return nick.ok ? { kind: "whois", nick: nick.name } : { kind: "error", message: nick.error };
    }
    case "away":
      return rest === "" ? { kind: "away" } : { kind: "away", message: rest };
    case "topic":
      return rest === "" ? { kind: "topic" } : { kind: "topic", topic: rest };
    case "":
      return {
        kind: "error",
        message: "Missing command after /: type /help for the list of commands, " +
          "or start the line with // to send text beginning with /",
      };
    default: {
      const shown = word.length > MAX_ECHOED ? word.slice(0, MAX_ECHOED) + "..." : word;
      return {
        kind: "error",
        message: `Unknown command /${shown}: type /help for the list of commands`,
      };
    }
  }
}

function words(s: string): string[] {
  return s === "" ? [] : s.split(/\s+/);
}

function usage(synopsis: string): Command {
  return { kind: "error", message: `Usage: ${synopsis}` };
}
