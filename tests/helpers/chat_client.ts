/**
 * A line-oriented chat client for tests: it reads the server's CRLF lines
 * into a list and lets a test wait for the line it expects.
 */
import { connect, writeAll } from "./socket.ts";

/**
 * What the chat sends first on every connection: IAC DO BINARY (RFC 856),
 * then CR and ESC [ K, which erase the glyphs a raw terminal showed for it.
 */
export const TELNET_OPENING: readonly number[] = [255, 253, 0, 0x0d, 0x1b, 0x5b, 0x4b];

/** A connected chat user. */
export class ChatClient {
  /** Every line received so far, without its CRLF (and without the {@link TELNET_OPENING}). */
  readonly lines: string[] = [];
  /** The bytes that preceded the first line if they were the {@link TELNET_OPENING}, else empty. */
  opening: readonly number[] = [];
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  readonly #conn: Deno.Conn;
  #waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  #ended = false;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
    this.closed = this.#pump();
  }

  /** Connects and waits for the welcome banner's second line (the nickname). */
  static async connect(port: number): Promise<ChatClient> {
    const client = new ChatClient(await connect(port));
    await client.waitFor((line) => line.startsWith("You are "));
    return client;
  }

  /**
   * Connects over TLS to 127.0.0.1, trusting only `caCert` (PEM), and
   * waits for the banner like {@link ChatClient.connect}.
   */
  static async connectTls(port: number, caCert: string): Promise<ChatClient> {
    const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [caCert] });
    const client = new ChatClient(conn);
    await client.waitFor((line) => line.startsWith("You are "));
    return client;
  }

  /** The client's own port, to find its connection in the server's log. */
  get localPort(): number {
    return (this.#conn.localAddr as Deno.NetAddr).port;
  }

  /** The nickname the server gave at connect time. */
  get defaultNick(): string {
    const line = this.lines.find((l) => l.startsWith("You are "))!;
    return /^You are ([^,]+),/.exec(line)![1]!;
  }

  /** Sends one line (LF-terminated, as nc does). */
  async send(line: string): Promise<void> {
    await writeAll(this.#conn, new TextEncoder().encode(`${line}\n`));
  }

  /** Sends raw bytes. */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    await writeAll(this.#conn, bytes);
  }

  /**
   * Resolves with the first line after index `from` that matches, waiting
   * up to `timeoutMs` for it.
   */
  waitFor(
    match: string | RegExp | ((line: string) => boolean),
    { from = 0, timeoutMs = 10_000 } = {},
  ): Promise<string> {
    const test = typeof match === "string"
      ? (line: string) => line === match
      : match instanceof RegExp
      ? (line: string) => match.test(line)
      : match;
    const found = this.lines.slice(from).find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        match: test,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `No line matching ${match} within ${timeoutMs} ms; got:\n${this.lines.join("\n")}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
      this.closed.then(() => {
        if (this.#waiters.includes(waiter)) {
          clearTimeout(timer);
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(
            new Error(`Closed before a line matching ${match}; got:\n${this.lines.join("\n")}`),
          );
        }
      });
    });
  }

  /**
   * Sends `/rooms` and waits for its answer: every line the server queued
   * for this client before it handled the command has then arrived.
   */
  async sync(): Promise<void> {
    const from = this.lines.length;
    await this.send("/rooms");
    await this.waitFor((line) => line.startsWith("* Rooms: "), { from });
  }

  /** Closes the connection and waits for the reader to finish. */
  async close(): Promise<void> {
    if (!this.#ended) {
      try {
        this.#conn.close();
      } catch { /* already closed */ }
    }
    await this.closed;
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(65536);
    let pending = "";
    // Bytes matching the start of TELNET_OPENING so far; null once decided.
    let head: number[] | null = [];
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        let chunk = buffer.subarray(0, n);
        if (head !== null) {
          let i = 0;
          while (i < chunk.length && head.length < TELNET_OPENING.length) {
            if (chunk[i] !== TELNET_OPENING[head.length]) break;
            head.push(chunk[i++]!);
          }
          if (head.length === TELNET_OPENING.length) {
            this.opening = head;
            chunk = chunk.subarray(i);
            head = null;
          } else if (i < chunk.length) {
            // Not the opening after all: everything so far is text.
            chunk = Uint8Array.of(...head, ...chunk.subarray(i));
            head = null;
          } else continue;
        }
        pending += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = pending.indexOf("\n")) !== -1) {
          const line = pending.slice(0, newline).replace(/\r$/, "");
          pending = pending.slice(newline + 1);
          this.lines.push(line);
          for (const waiter of [...this.#waiters]) {
            if (waiter.match(line)) {
              this.#waiters = this.#waiters.filter((w) => w !== waiter);
              waiter.resolve(line);
            }
          }
        }
      }
    } catch {
      // Closed locally or reset: the connection is over either way.
    }
    if (!this.#ended) {
      this.#ended = true;
      try {
        this.#conn.close();
      } catch { /* already closed */ }
    }
  }
}
