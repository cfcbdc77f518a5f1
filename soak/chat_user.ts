/**
 * A chat user for the soak that checks every byte it receives: the telnet
 * opening first, then only CRLF lines of valid UTF-8, without control or
 * invisible characters, in the shapes of the protocol (README, "The chat
 * protocol").
 *
 * @module
 */
import { TELNET_OPENING } from "../tests/helpers/chat_client.ts";
import {
  FORBIDDEN,
  HISTORY_LINE,
  LINE_SHAPES as PROTOCOL_LINE_SHAPES,
} from "../tests/helpers/protocol_lines.ts";

/** Every line a soak user may be sent: it also joins rooms that have history. */
const LINE_SHAPES = [...PROTOCOL_LINE_SHAPES, HISTORY_LINE];
const LF = 0x0a;
const CR = 0x0d;

/** A connected user; every line it received is in {@link lines}. */
export class ChatUser {
  /** Clean lines received, without CRLF. */
  readonly lines: string[] = [];
  /** Lines that broke a rule, with why (a few kept); {@link uncleanCount} counts all. */
  readonly unclean: string[] = [];
  uncleanCount = 0;
  /** True when the server closed or reset the connection (not {@link close}). */
  closedByServer = false;
  /** Resolves when the connection is over. */
  readonly done: Promise<void>;
  readonly #conn: Deno.TcpConn;
  #closing = false;
  #wake: (() => void)[] = [];

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.done = this.#pump();
  }

  /** Connects and waits (at most `timeoutMs`) for the welcome's nickname line. */
  static async connect(port: number, timeoutMs: number): Promise<ChatUser> {
    const user = new ChatUser(await Deno.connect({ hostname: "127.0.0.1", port }));
    try {
      await user.waitFor((line) => line.startsWith("You are "), timeoutMs);
    } catch (error) {
      await user.close();
      throw error;
    }
    return user;
  }

  /** Sends one line. */
  async send(line: string): Promise<void> {
    const bytes = new TextEncoder().encode(`${line}\n`);
    for (let written = 0; written < bytes.length;) {
      written += await this.#conn.write(bytes.subarray(written));
    }
  }

  /** Sends raw bytes. */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    for (let written = 0; written < bytes.length;) {
      written += await this.#conn.write(bytes.subarray(written));
    }
  }

  /** Resolves with the first line from index `from` on that matches; rejects after `timeoutMs`. */
  async waitFor(match: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (let i = from;; i++) {
      while (i >= this.lines.length) {
        const left = deadline - performance.now();
        if (this.#closing || this.closedByServer) throw new Error("the connection closed");
        if (left <= 0) throw new Error(`no answer within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.#wake.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (match(this.lines[i]!)) return this.lines[i]!;
    }
  }

  /** Sends `/rooms` and waits for the answer: all the server queued before it has arrived. */
  async sync(timeoutMs: number): Promise<void> {
    const from = this.lines.length;
    await this.send("/rooms");
    await this.waitFor((line) => line.startsWith("* Rooms: "), timeoutMs, from);
  }

  /** Closes the connection and waits for the reader. */
  async close(): Promise<void> {
    this.#closing = true;
    try {
      this.#conn.close();
    } catch { /* closed */ }
    await this.done;
  }

  async #pump(): Promise<void> {
    const buffer = new Uint8Array(65536);
    let pending = new Uint8Array(0);
    let opening = true;
    try {
      for (let n; (n = await this.#conn.read(buffer)) !== null;) {
        const joined = new Uint8Array(pending.length + n);
        joined.set(pending);
        joined.set(buffer.subarray(0, n), pending.length);
        let start = 0;
        if (opening) {
          if (joined.length < TELNET_OPENING.length) {
            pending = joined;
            continue;
          }
          opening = false;
          if (TELNET_OPENING.every((b, i) => joined[i] === b)) start = TELNET_OPENING.length;
          else this.#reject("no telnet opening first", joined.subarray(0, 16));
        }
        for (let end; (end = joined.indexOf(LF, start)) !== -1; start = end + 1) {
          this.#line(joined.subarray(start, end));
        }
        pending = joined.slice(start);
        for (const wake of this.#wake.splice(0)) wake();
      }
      if (!this.#closing) this.closedByServer = true;
    } catch {
      if (!this.#closing) this.closedByServer = true;
    }
    for (const wake of this.#wake.splice(0)) wake();
  }

  #line(bytes: Uint8Array): void {
    if (bytes.at(-1) !== CR) return this.#reject("line without CRLF", bytes);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, -1));
    } catch {
      return this.#reject("invalid UTF-8", bytes);
    }
    if (FORBIDDEN.test(text)) return this.#reject("control or invisible character", bytes);
    if (!LINE_SHAPES.some((shape) => shape.test(text))) {
      return this.#reject("not a line of the protocol", bytes);
    }
    this.lines.push(text);
  }

  #reject(why: string, bytes: Uint8Array): void {
    this.uncleanCount++;
    if (this.unclean.length < 5) {
      const shown = new TextDecoder().decode(bytes.subarray(0, 200));
      this.unclean.push(`${why}: ${JSON.stringify(shown)}`);
    }
  }
}
