/**
 * What travels through Redis as text: chat events on the channel and
 * presences in the users hashes, as JSON. Decoding checks every field, so
 * a foreign or broken message is dropped instead of reaching a session.
 *
 * @module
 */
import type { ChatEvent, HistoryEntry, Presence } from "./chat_adapter.ts";

/** One event on the channel: who sent it (`from`, a node id) and the event. */
export interface EventMessage {
  from: string;
  event: ChatEvent;
}

/** The channel text of `event` sent by node `from`. */
export function encodeEvent(from: string, event: ChatEvent): string {
  return JSON.stringify({ from, event });
}

const isString = (value: unknown): value is string => typeof value === "string";
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/** The message in `text`, or `null` if it is not a well-formed event. */
export function decodeEvent(text: string): EventMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(parsed) || !isString(parsed.from) || !isRecord(parsed.event)) return null;
  const e = parsed.event;
  if (!isString(e.line)) return null;
  switch (e.kind) {
    case "room":
      if (!isString(e.room) || !(e.except === null || isString(e.except))) return null;
      return {
        from: parsed.from,
        event: { kind: "room", room: e.room, line: e.line, except: e.except },
      };
    case "user":
      if (!isString(e.to)) return null;
      return { from: parsed.from, event: { kind: "user", to: e.to, line: e.line } };
    case "all":
      return { from: parsed.from, event: { kind: "all", line: e.line } };
    default:
      return null;
  }
}

/** The users-hash text of a presence. */
export function encodePresence(presence: Presence): string {
  return JSON.stringify(presence);
}

/** The presence in `text`, or `null` if it is not one. */
export function decodePresence(text: unknown): Presence | null {
  if (!isString(text)) return null;
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch {
    return null;
  }
  if (
    !isRecord(p) || !isString(p.id) || !isString(p.nick) || !isString(p.room) ||
    (p.client !== "telnet" && p.client !== "raw") || typeof p.since !== "number" ||
    typeof p.lastActive !== "number" || !(p.away === null || isString(p.away))
  ) return null;
  return {
    id: p.id,
    nick: p.nick,
    room: p.room,
    client: p.client,
    since: p.since,
    lastActive: p.lastActive,
    away: p.away,
  };
}

/** Presences from a list of users-hash texts, skipping any that do not decode. */
export function decodePresences(texts: unknown): Presence[] {
  if (!Array.isArray(texts)) return [];
  const out: Presence[] = [];
  for (const text of texts) {
    const presence = decodePresence(text);
    if (presence !== null) out.push(presence);
  }
  return out;
}

/**
 * History entries from an `XREVRANGE` reply (newest first:
 * `[[id, [field, value, ...]], ...]`), oldest first.
 */
export function decodeHistory(reply: unknown): HistoryEntry[] {
  if (!Array.isArray(reply)) return [];
  const out: HistoryEntry[] = [];
  for (const item of reply) {
    const fields = Array.isArray(item) ? item[1] : null;
    if (!Array.isArray(fields)) continue;
    let at: number | null = null;
    let line: string | null = null;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === "at") at = Number(fields[i + 1]);
      else if (fields[i] === "line" && isString(fields[i + 1])) line = fields[i + 1];
    }
    if (at !== null && Number.isFinite(at) && line !== null) out.push({ at, line });
  }
  return out.reverse();
}
