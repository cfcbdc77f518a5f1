/**
 * Misbehaving TCP peers for the fault tests: runs `raw_peers.py` (peers
 * that need SO_LINGER, SO_RCVBUF or TCP_MAXSEG, which Deno's sockets do not
 * offer) and follows the `EVENT key=value ...` lines it prints.
 */
import { fileURLToPath } from "node:url";
import { readLines } from "./read_lines.ts";

const SCRIPT = fileURLToPath(new URL("./raw_peers.py", import.meta.url));

/** What `raw_peers.py` can do; see the script's own documentation. */
export type PeerMode = "reset" | "stuck" | "trickle";

/** One `EVENT key=value ...` line, its values as strings. */
export type PeerEvent = Record<string, string>;

/** A running `raw_peers.py`. */
export class RawPeers {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: string[] = [];
  #errors = "";
  #wake: () => void = () => {};
  readonly #ended: Promise<void>;
  readonly #status: Promise<Deno.CommandStatus>;
  #finished = false;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#status = child.status;
    const collect = () =>
      readLines(child.stdout, (line) => {
        this.#lines.push(line);
        this.#wake();
      });
    const errors = async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#errors += chunk;
      }
    };
    this.#ended = Promise.all([collect(), errors()]).then(() => this.#wake());
  }

  /** Starts `mode` against 127.0.0.1:`port` with `key=value` options. */
  static start(mode: PeerMode, port: number, options: Record<string, number> = {}): RawPeers {
    const args = [SCRIPT, mode, String(port)];
    for (const [key, value] of Object.entries(options)) args.push(`${key}=${value}`);
    const child = new Deno.Command("python3", {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new RawPeers(child);
  }

  /**
   * Resolves with the fields of the first `event` line (past or future).
   * Rejects, with everything the script printed, if it ends or fails first,
   * or after `timeoutMs`.
   */
  async next(event: string, timeoutMs: number): Promise<PeerEvent> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    this.#ended.then(() => ended = true);
    while (true) {
      const line = this.#lines.find((l) => l === event || l.startsWith(`${event} `));
      if (line !== undefined) return parseFields(line);
      const error = this.#lines.find((l) => l.startsWith("ERROR"));
      if (error !== undefined || ended) {
        throw new Error(`raw_peers.py ended before ${event}: ${this.#output()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`raw_peers.py: no ${event} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends one line to the script's stdin. */
  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /**
   * Closes stdin and waits (at most `timeoutMs`) for the script to exit;
   * throws with its output unless it exited 0.
   */
  async finish(timeoutMs = 30_000): Promise<void> {
    await this.#closeStdin();
    const timer = setTimeout(() => this.#kill(), timeoutMs);
    const status = await this.#status;
    await this.#ended;
    clearTimeout(timer);
    this.#finished = true;
    if (!status.success) {
      throw new Error(`raw_peers.py exited with ${status.code}: ${this.#output()}`);
    }
  }

  /** Stops the script if it still runs (every socket it holds closes with it). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#finished) return;
    await this.#closeStdin();
    this.#kill();
    await this.#status;
    await this.#ended;
    this.#finished = true;
  }

  async #closeStdin(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch {
      // already closed, or the script is gone
    }
  }

  #kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }

  #output(): string {
    return [...this.#lines.map((l) => l.slice(0, 300)), this.#errors.slice(-2000)].join("\n");
  }
}

function parseFields(line: string): PeerEvent {
  const fields: PeerEvent = {};
  for (const word of line.split(" ").slice(1)) {
    const eq = word.indexOf("=");
    if (eq > 0) fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return fields;
}
