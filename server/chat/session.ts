import type { Connection } from "../../reactor/mod.ts";
import { LineDecoder, type LineSink } from "./line_decoder.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Settings that shape every chat session. */
export interface SessionOptions {
  /** Longest line in bytes. */
  maxLineBytes: number;
  /** Lines per second a session may send on average. */
  rateLimit: number;
  /** Lines a session may send in a burst. */
  rateBurst: number;
  /** Milliseconds clock for the rate limiter and the telnet AYT limit. */
  now: () => number;
}

/**
 * One chat user: the connection plus everything the protocol remembers about
 * it. Nickname and room live in the server's registries, keyed by the session.
 */
export class Session {
  /** The user's connection. */
  readonly conn: Connection<Session>;
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

  constructor(conn: Connection<Session>, options: SessionOptions) {
    this.conn = conn;
    this.decoder = new LineDecoder({ maxLineBytes: options.maxLineBytes, now: options.now });
    this.bucket = new TokenBucket({
      ratePerSecond: options.rateLimit,
      burst: options.rateBurst,
      now: options.now,
    });
  }
}
