import type { Conn } from "../../reactor/mod.ts";
import { LineDecoder, type LineSink } from "./line_decoder.ts";
import { TokenBucket } from "./token_bucket.ts";
import type { ChatOptions } from "./chat_options.ts";

/** Settings that shape every chat session. */
export type SessionOptions = Pick<ChatOptions, "maxLineBytes" | "rateLimit" | "rateBurst" | "now">;

/**
 * One chat user: the connection plus everything the protocol remembers about
 * it. Nickname and room live in the server's registries, keyed by the session.
 */
export class Session {
  /** The user's connection. */
  readonly conn: Conn<Session>;
  /** Splits the byte stream into sanitized lines and handles telnet. */
  readonly decoder: LineDecoder;
  /** Where the decoder delivers this session's lines; set by the handler at open. */
  sink!: LineSink;
  /** Flood control: one token per line. */
  readonly bucket: TokenBucket;
  /** Lines refused in a row by the rate limiter. */
  refusedInRow = 0;
  /** Set once the user quit or the connection is closing: later lines are ignored. */
  leaving = false;
  /** Whether the user left with /quit. */
  quit = false;
  /** The quit message, shown to the room when the user leaves. */
  quitMessage: string | null = null;
  /** Why the server disconnected the user (`flooding`), shown to the room. */
  kickedFor: string | null = null;

  /** The nickname it had on arrival, `guest-N`, numbered per chat. */
  guestNick = "";

  /** Who left and why, recorded when the user leaves, for the close log line. */
  farewell: { nick: string; room: string | null; why: string } | null = null;

  constructor(conn: Conn<Session>, options: SessionOptions) {
    this.conn = conn;
    this.decoder = new LineDecoder({ maxLineBytes: options.maxLineBytes, now: options.now });
    this.bucket = new TokenBucket({
      ratePerSecond: options.rateLimit,
      burst: options.rateBurst,
      now: options.now,
    });
  }

  /** Nick, room and why for the close log line (empty until the user left). */
  closeDetails(): Record<string, unknown> {
    return this.farewell ?? {};
  }
}
