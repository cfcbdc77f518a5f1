import type { Conn } from "../../reactor/mod.ts";
import type { UserId } from "./adapter/chat_adapter.ts";
import type { ChatOptions } from "./chat_options.ts";
import { LineDecoder, type LineSink } from "./line_decoder.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Settings that shape every chat session. */
export type SessionOptions = Pick<ChatOptions, "maxLineBytes" | "rateLimit" | "rateBurst" | "now">;

/** Most steps (lines, the welcome) waiting while an earlier one waits for the shared state. */
const MAX_PENDING_STEPS = 64;

/**
 * One chat user on this server: the connection plus everything the chat
 * remembers about it. What other servers may need to know (nick, room,
 * away) is also published as its {@link Presence} through the adapter.
 */
export class Session {
  /** The user's connection. */
  readonly conn: Conn<Session>;
  /** The user's id across the chat: `node/connection`. */
  readonly id: UserId;
  /** Splits the byte stream into sanitized lines and handles telnet. */
  readonly decoder: LineDecoder;
  /** Where the decoder delivers this session's lines; set by the handler at open. */
  sink!: LineSink;
  /** Flood control: one token per line. */
  readonly bucket: TokenBucket;
  /** Wall-clock time of the connect (epoch ms), for presence. */
  readonly since: number;

  /** The nickname, once the welcome has given one. */
  nick = "";
  /** The room's name as shown. */
  room = "";
  /** Whether the welcome is done and the user is in a room. */
  joined = false;
  /** Whether the room has been told the user is here (after a first line, or a moment). */
  announced = false;
  /** Wall-clock time of the user's last line (epoch ms). */
  lastActive: number;
  /** The away message, or `null`. */
  away: string | null = null;
  /** The room last checked for "nobody else is here" (checked once per visit). */
  hintedRoom: string | null = null;

  /** Lines refused in a row by the rate limiter. */
  refusedInRow = 0;
  /** Whether the idle liveness probe (telnet) is outstanding. */
  probed = false;
  /** Set once the peer sent FIN: the session leaves after its last lines. */
  ended = false;
  /** Set once the connection is closing: later lines are ignored. */
  leaving = false;
  /** Whether the user left with /quit. */
  quit = false;
  /** The quit message, shown to the room when the user leaves. */
  quitMessage: string | null = null;
  /** Why the server disconnected the user (`flooding`), shown to the room. */
  kickedFor: string | null = null;
  /** Who left and why, recorded when the user leaves, for the close log line. */
  farewell: { nick: string; room: string | null; why: string } | null = null;

  /** Called when a step throws or rejects: a bug, reported and ended by the chat. */
  failed: (error: unknown) => void = () => {};

  #busy = false;
  #pending: (() => void | Promise<void>)[] = [];

  constructor(conn: Conn<Session>, id: UserId, since: number, options: SessionOptions) {
    this.conn = conn;
    this.id = id;
    this.since = since;
    this.lastActive = since;
    this.decoder = new LineDecoder({ maxLineBytes: options.maxLineBytes, now: options.now });
    this.bucket = new TokenBucket({
      ratePerSecond: options.rateLimit,
      burst: options.rateBurst,
      now: options.now,
    });
  }

  /** Whether the client has shown it speaks telnet. */
  get telnet(): boolean {
    return this.decoder.telnet.speaksTelnet;
  }

  /**
   * Runs `step` now, or after the steps before it if one of them is still
   * waiting for the shared state, so a user's lines take effect in the
   * order they were typed. Returns false (dropping the step) when too many
   * are waiting, unless `always` (the step that ends the session).
   */
  run(step: () => void | Promise<void>, { always = false } = {}): boolean {
    if (this.#busy) {
      if (this.#pending.length >= MAX_PENDING_STEPS && !always) return false;
      this.#pending.push(step);
      return true;
    }
    this.#execute(step);
    return true;
  }

  #execute(step: () => void | Promise<void>): void {
    let result: void | Promise<void>;
    try {
      result = step();
    } catch (error) {
      this.#pending.length = 0;
      this.failed(error);
      return;
    }
    if (result === undefined) return this.#next();
    this.#busy = true;
    result.then(
      () => {
        this.#busy = false;
        this.#next();
      },
      (error) => {
        this.#busy = false;
        this.#pending.length = 0;
        this.failed(error);
      },
    );
  }

  #next(): void {
    const step = this.#pending.shift();
    if (step !== undefined) this.#execute(step);
  }

  /** Nick, room and why for the close log line (empty until the user left). */
  closeDetails(): Record<string, unknown> {
    return this.farewell ?? {};
  }
}
