/**
 * Several servers, one chat, through Redis. Each server (node) keeps its
 * own connections; Redis carries what the others must deliver and holds
 * the state they share:
 *
 * - **Events** (room lines, private lines, notices) go out with PUBLISH on
 *   one channel, each with the sender's node id; a node ignores its own.
 *   Ordering: a node sends every PUBLISH on one connection in the order the
 *   chat made them, Redis runs one connection's commands in order and
 *   pushes a channel's messages to each subscriber connection in that
 *   order, so every other node receives one sender's lines as they were
 *   sent. An outage drops lines; it never reorders them.
 * - **Nicks**: `echochat:nick:<nick>` holds the user id, claimed by a Lua
 *   script (check and SET with a TTL in one atomic step, so two servers
 *   claiming at once cannot both win), renewed for every local nick by one
 *   pipeline per renew interval (a third of the TTL), released by
 *   compare-and-delete. A server that dies stops renewing: its nicks come
 *   free within the TTL.
 * - **Presence** per node (`redis_presence.ts`), listed by scripts over a
 *   set of node ids instead of KEYS; a dead node's keys expire with the TTL.
 *   Activity times are written in the renewal, not per line.
 * - **Guest numbers** by INCR, **topics** with a TTL renewed while the room
 *   has users, **history** in a capped stream per room.
 *
 * When Redis is unreachable the chat goes on here: the node is told once
 * (`link(false)`), events for other nodes are dropped (nothing is queued),
 * and claims and queries are answered from this node's own users. The
 * clients reconnect with backoff; on reconnection this node rewrites its
 * presence, claims every local nick again (a nick someone else took
 * meanwhile is reported through `nickLost`, and the node renames its
 * user), and then says the link is back (`link(true)`).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { LOBBY, nameKey } from "../names.ts";
import type {
  AdapterListener,
  Awaitable,
  ChatAdapter,
  ChatEvent,
  HistoryEntry,
  Presence,
  RoomInfo,
  UserId,
} from "./chat_adapter.ts";
import { ChatState } from "./chat_state.ts";
import { createNodeId } from "./node_id.ts";
import { databaseOf, PREFIX, RedisKeys } from "./redis_keys.ts";
import { RedisLink } from "./redis_link.ts";
import {
  decodeEvent,
  decodeHistory,
  decodePresence,
  decodePresences,
  encodeEvent,
} from "./redis_messages.ts";
import { type Command, LocalPresence } from "./redis_presence.ts";
import { CLAIM_NICKS, FIND_NICK, LIST, RELEASE_NICK } from "./redis_scripts.ts";

const log = getLogger(["echochat", "redis"]);

/** Settings of a {@link RedisAdapter}. */
export interface RedisAdapterOptions {
  /** The Redis URL, `redis://[user:password@]host[:port][/db]` (or `rediss://`). */
  url: string;
  /** How long this node's nicks and users outlive it unless renewed (every third of it), in ms. */
  ttlMs: number;
  /** History lines kept per room (0: none). */
  historyLines: number;
  /** How long a room's history outlives its last line, in ms. @default 86400000 (a day) */
  historyTtlMs?: number;
  /** This node's id. @default createNodeId() */
  nodeId?: string;
  /** How long {@link RedisAdapter.start} waits for Redis before the server starts alone, in ms. @default 3000 */
  startWaitMs?: number;
}

/** Nicks per claim script call, so one call never holds Redis long. */
const CLAIMS_PER_CALL = 500;
/** How long a clean stop waits for Redis to take the last writes. */
const CLOSE_GRACE_MS = 2000;
/** A guest number drawn while Redis is away: random, so two cut-off servers rarely agree. */
const offlineGuestNumber = () => 10_000 + Math.floor(Math.random() * 90_000);

/** A nick this node holds for one of its users. */
interface Claim {
  user: UserId;
  nick: string;
}

/** The chat's shared state in Redis; see the module documentation. */
export class RedisAdapter implements ChatAdapter {
  readonly nodeId: string;
  readonly #keys: RedisKeys;
  readonly #link: RedisLink;
  readonly #where: string;
  readonly #ttl: string;
  readonly #ttlMs: number;
  readonly #historyLines: number;
  readonly #historyTtl: string;
  readonly #startWaitMs: number;
  /** This node's users, rooms, topics and history: the answers while the link is down. */
  readonly #local: ChatState;
  readonly #presence: LocalPresence;
  readonly #claims = new Map<string, Claim>();
  #listener: AdapterListener | null = null;
  /** Whether Redis is in use: connected, subscribed, and this node's state rewritten. */
  #up = false;
  /** What the listener was told last; `null` until {@link start} has finished. */
  #told: boolean | null = null;
  /** Bumped on every link change, so a repair that the link outlived does not report. */
  #epoch = 0;
  #renewing = false;
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  #dropped = 0;
  /** `Date.now()` when the link went down, for the log line when it is back. */
  #downSince = Date.now();
  #settleStart: (() => void) | null = null;

  constructor(options: RedisAdapterOptions) {
    this.nodeId = options.nodeId ?? createNodeId();
    this.#keys = new RedisKeys(databaseOf(options.url));
    this.#where = redact(options.url);
    this.#ttlMs = options.ttlMs;
    this.#ttl = String(Math.ceil(options.ttlMs));
    this.#historyLines = options.historyLines;
    this.#historyTtl = String(options.historyTtlMs ?? 86_400_000);
    this.#startWaitMs = options.startWaitMs ?? 3000;
    this.#local = new ChatState({ historyLines: options.historyLines });
    this.#presence = new LocalPresence(this.#keys, this.nodeId, options.ttlMs);
    this.#link = new RedisLink(options.url, this.#keys.channel, {
      message: (text) => this.#message(text),
      ready: () => this.#linkReady(),
      lost: (cause) => this.#linkLost(cause),
    });
  }

  /** Whether Redis is in use now (for tests and logs). */
  get up(): boolean {
    return this.#up;
  }

  /**
   * Connects and waits (up to `startWaitMs`) for Redis; without it the
   * server starts alone and joins the others once Redis answers.
   */
  async start(listener: AdapterListener): Promise<void> {
    this.#listener = listener;
    const settled = new Promise<void>((resolve) => this.#settleStart = resolve);
    const timer = setTimeout(() => this.#settleStart?.(), this.#startWaitMs);
    this.#link.connect();
    await settled;
    clearTimeout(timer);
    this.#settleStart = null;
    this.#renewTimer = setInterval(() => this.#renew(), Math.max(10, this.#ttlMs / 3));
    this.#told = this.#up;
    if (this.#up) {
      log.info("Chat shared through Redis at {redis} as node {nodeId}", {
        redis: this.#where,
        nodeId: this.nodeId,
      });
    } else {
      log.warn("Redis at {redis} does not answer: chatting alone until it does", {
        redis: this.#where,
        nodeId: this.nodeId,
      });
      listener.link(false);
    }
  }

  /** Releases this node's nicks and users in Redis and closes the connections. */
  async close(): Promise<void> {
    clearInterval(this.#renewTimer);
    if (this.#up) {
      const commands: Command[] = [
        ...[...this.#claims.values()].map((c) => this.#release(c.user, c.nick)),
        ...this.#presence.clear(),
      ];
      await withTimeout(this.#link.batch(commands, false), CLOSE_GRACE_MS).catch((error) =>
        log.debug("Could not release this node's state in Redis: {error}", { error })
      );
    }
    this.#up = false;
    this.#told = null;
    await this.#link.close(CLOSE_GRACE_MS);
  }

  nextGuestNumber(): Awaitable<number> {
    return this.#ask(
      () => this.#link.command(["INCR", this.#keys.guests]).then(Number),
      offlineGuestNumber,
    );
  }

  claimNick(user: UserId, nick: string): Awaitable<boolean> {
    const held = this.#claims.get(nameKey(nick));
    if (held !== undefined && held.user !== user) return false;
    /** Takes the nick here unless a local rival took it while Redis was asked. */
    const keep = () => {
      const other = this.#claims.get(nameKey(nick));
      if (other !== undefined && other.user !== user) return false;
      this.#claims.set(nameKey(nick), { user, nick });
      this.#local.claimNick(user, nick);
      return true;
    };
    if (!this.#up) return keep(); // unique here; claimed in Redis on reconnection
    return this.#link.command(this.#claimCommand([{ user, nick }])).then(
      (lost) => Array.isArray(lost) && lost.length > 0 ? false : keep(),
      (error) => {
        log.debug("Nick claim fell back to this server: {error}", { error });
        return keep();
      },
    );
  }

  releaseNick(user: UserId, nick: string): void {
    const key = nameKey(nick);
    if (this.#claims.get(key)?.user !== user) return;
    this.#claims.delete(key);
    this.#local.releaseNick(user, nick);
    // While down the key (if Redis kept it) expires within the TTL.
    if (this.#up) this.#send(this.#link.command(this.#release(user, nick)));
  }

  setPresence(presence: Presence): void {
    this.#local.setPresence(presence);
    this.#write(this.#presence.set(presence));
  }

  updatePresence(user: UserId, change: Partial<Omit<Presence, "id">>): void {
    this.#local.updatePresence(user, change);
    this.#write(this.#presence.update(user, change));
  }

  removePresence(user: UserId): void {
    this.#local.removePresence(user);
    this.#write(this.#presence.remove(user));
  }

  findNick(nick: string): Awaitable<Presence | null> {
    const here = this.#local.findNick(nick);
    if (here !== null) return here;
    return this.#ask(
      () =>
        this.#link.command(["EVAL", FIND_NICK, "1", this.#keys.nick(nick), PREFIX]).then(
          decodePresence,
        ),
      () => null,
    );
  }

  userCount(): Awaitable<number> {
    return this.#ask(() => this.#list("count").then(Number), () => this.#local.userCount());
  }

  users(): Awaitable<Presence[]> {
    return this.#ask(() => this.#list("users").then(decodePresences), () => this.#local.users());
  }

  members(room: string): Awaitable<Presence[]> {
    return this.#ask(
      () => this.#list("members", nameKey(room)).then(decodePresences),
      () => this.#local.members(room),
    );
  }

  rooms(): Awaitable<RoomInfo[]> {
    return this.#ask(() => this.#list("rooms", LOBBY).then(decodeRooms), () => this.#local.rooms());
  }

  setTopic(room: string, topic: string | null): void {
    this.#local.setTopic(room, topic);
    const key = this.#keys.topic(room);
    this.#write([topic === null ? ["DEL", key] : ["SET", key, topic, "PX", this.#ttl]]);
  }

  topic(room: string): Awaitable<string | null> {
    return this.#ask(
      () =>
        this.#link.command(["GET", this.#keys.topic(room)]).then((t) =>
          typeof t === "string" ? t : null
        ),
      () => this.#local.topic(room),
    );
  }

  record(room: string, entry: HistoryEntry): void {
    if (this.#historyLines === 0) return;
    this.#local.record(room, entry);
    const key = this.#keys.history(room);
    const cap = String(this.#historyLines);
    this.#write([
      ["XADD", key, "MAXLEN", "~", cap, "*", "at", String(entry.at), "line", entry.line],
      ["PEXPIRE", key, this.#historyTtl],
    ], false);
  }

  history(room: string): Awaitable<HistoryEntry[]> {
    if (this.#historyLines === 0) return [];
    const key = this.#keys.history(room);
    return this.#ask(
      () =>
        this.#link.command(["XREVRANGE", key, "+", "-", "COUNT", String(this.#historyLines)])
          .then(decodeHistory),
      () => this.#local.history(room),
    );
  }

  publish(event: ChatEvent): void {
    if (!this.#up) {
      this.#dropped++;
      return;
    }
    this.#send(
      this.#link.command(["PUBLISH", this.#keys.channel, encodeEvent(this.nodeId, event)]),
    );
  }

  /** Redis's answer if the link is up, else (or if it fails) this node's own. */
  #ask<T>(remote: () => Promise<T>, local: () => T): Awaitable<T> {
    if (!this.#up) return local();
    return remote().catch((error) => {
      log.debug("A Redis query fell back to this server's own state: {error}", { error });
      return local();
    });
  }

  #list(what: string, room = ""): Promise<unknown> {
    return this.#link.command(["EVAL", LIST, "1", this.#keys.nodes, PREFIX, what, room]);
  }

  #claimCommand(claims: readonly Claim[]): Command {
    return [
      "EVAL",
      CLAIM_NICKS,
      String(claims.length),
      ...claims.map((c) => this.#keys.nick(c.nick)),
      this.#ttl,
      ...claims.map((c) => c.user),
    ];
  }

  #release(user: UserId, nick: string): Command {
    return ["EVAL", RELEASE_NICK, "1", this.#keys.nick(nick), user];
  }

  /** Commands claiming every nick this node holds, in calls of {@link CLAIMS_PER_CALL}. */
  #claimAll(): { commands: Command[]; chunks: Claim[][] } {
    const claims = [...this.#claims.values()];
    const chunks: Claim[][] = [];
    for (let i = 0; i < claims.length; i += CLAIMS_PER_CALL) {
      chunks.push(claims.slice(i, i + CLAIMS_PER_CALL));
    }
    return { commands: chunks.map((chunk) => this.#claimCommand(chunk)), chunks };
  }

  /** Reports the claims that the replies of {@link #claimAll}'s commands say are lost. */
  #settleClaims(chunks: Claim[][], replies: unknown[]): void {
    chunks.forEach((chunk, i) => {
      const lost = replies[i];
      if (!Array.isArray(lost)) return;
      for (const index of lost) {
        const claim = chunk[Number(index) - 1];
        if (claim !== undefined) this.#loseClaim(claim);
      }
    });
  }

  #loseClaim({ user, nick }: Claim): void {
    if (this.#claims.get(nameKey(nick))?.user !== user) return;
    this.#claims.delete(nameKey(nick));
    this.#local.releaseNick(user, nick);
    log.info("Nick {nick} of {user} was taken on another server while the link was down", {
      nick,
      user,
    });
    this.#listener?.nickLost?.(user, nick);
  }

  /** Sends writes while the link is up (one transaction, or a pipeline); else they wait for the rewrite. */
  #write(commands: Command[], atomic = true): void {
    if (!this.#up || commands.length === 0) return;
    this.#send(
      commands.length === 1 ? this.#link.command(commands[0]!) : this.#link.batch(commands, atomic),
    );
  }

  #send(reply: Promise<unknown>): void {
    reply.catch((error) => log.debug("A Redis write failed: {error}", { error }));
  }

  /**
   * The link is back (or up for the first time): this node's presence is
   * rewritten and its nicks claimed again, first thing on the connection,
   * so every command after them sees the repaired state.
   */
  #linkReady(): void {
    if (this.#up) return;
    this.#up = true;
    const epoch = ++this.#epoch;
    const { commands, chunks } = this.#claimAll();
    const rewrite = this.#link.batch(this.#presence.rewrite(), true);
    const claims = this.#link.batch(commands, false);
    Promise.all([rewrite, claims]).then(([, replies]) => {
      if (epoch !== this.#epoch) return;
      this.#settleClaims(chunks, replies);
      if (this.#told === false) {
        log.info(
          "Redis link back after {seconds} s; {dropped} events for other servers dropped",
          {
            redis: this.#where,
            seconds: Math.round((Date.now() - this.#downSince) / 100) / 10,
            dropped: this.#dropped,
          },
        );
        this.#told = true;
        this.#listener?.link(true);
      }
      this.#dropped = 0;
      this.#settleStart?.();
    }, (error) => log.warn("Repairing this node's state in Redis failed: {error}", { error }));
  }

  #linkLost(cause: string): void {
    this.#epoch++;
    this.#settleStart?.();
    if (!this.#up) {
      log.debug("Redis link still down: {cause}", { cause });
      return;
    }
    this.#up = false;
    this.#downSince = Date.now();
    log.warn("Redis link lost ({cause}): chatting alone, reconnecting with backoff", {
      cause,
      redis: this.#where,
    });
    if (this.#told === true) {
      this.#told = false;
      this.#listener?.link(false);
    }
  }

  #message(text: string): void {
    const message = decodeEvent(text);
    if (message === null) {
      log.debug("Ignored a malformed message on the chat channel");
      return;
    }
    if (message.from !== this.nodeId) this.#listener?.event(message.event);
  }

  /**
   * Every third of the TTL: one pipeline claims every local nick again,
   * writes the activity times, and extends this node's keys.
   */
  #renew(): void {
    if (!this.#up || this.#renewing) return;
    this.#renewing = true;
    const epoch = this.#epoch;
    const { commands, chunks } = this.#claimAll();
    const rooms = [LOBBY, ...this.#presence.roomKeys.filter((key) => key !== LOBBY)];
    this.#link.batch([...commands, ...this.#presence.renewal(rooms)], false).then(
      (replies) => {
        if (epoch !== this.#epoch) return;
        this.#settleClaims(chunks, replies);
        // The users hash had expired (Redis paused, or this process stalled,
        // for longer than the TTL): write everything again.
        if (replies[commands.length] === 0 && this.#presence.size > 0) {
          log.info("This node's users had expired in Redis: writing them again");
          this.#write(this.#presence.rewrite());
        }
      },
      (error) => log.debug("Renewal failed: {error}", { error }),
    ).finally(() => this.#renewing = false);
  }
}

/** `/rooms` from the LIST script's `[name, count, topic, ...]` (topic `''` for none). */
function decodeRooms(reply: unknown): RoomInfo[] {
  if (!Array.isArray(reply)) return [];
  const rooms: RoomInfo[] = [];
  for (let i = 0; i + 2 < reply.length; i += 3) {
    const [name, users, topic] = [reply[i], reply[i + 1], reply[i + 2]];
    if (typeof name !== "string") continue;
    rooms.push({
      name,
      users: Number(users) || 0,
      topic: typeof topic === "string" && topic !== "" ? topic : null,
    });
  }
  return rooms;
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href;
}

/** `promise`, or a rejection after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
