/**
 * The soak's echo load, every byte verified: paced streams, slow readers
 * (they read a quarter of what they send per second, so the server has to
 * stop reading them and start again), and churn (connect, one echo,
 * close).
 *
 * @module
 */
import { describeError, type Problems } from "./problems.ts";

/** Settings of {@link EchoLoad}. */
export interface EchoLoadOptions {
  /** Connections that stream. */
  readonly streams: number;
  /** Bytes per second each stream sends. */
  readonly streamBytesPerS: number;
  /** Connections that send 320 KiB/s and read 80 KiB/s. */
  readonly slowReaders: number;
  /** Churn cycles per second, all slots together. */
  readonly churnPerS: number;
}

/** Live figures. */
export interface EchoFigures {
  /** Echoed bytes verified, streams and slow readers. */
  verifiedBytes: number;
  /** Churn cycles completed and verified. */
  churnCycles: number;
}

const PATTERN_SIZE = 1 << 20;
/** Connection `i` sends byte `k` as `PATTERN[(i * 7919 + k) % PATTERN_SIZE]`; stored twice. */
const PATTERN = (() => {
  const half = new Uint8Array(PATTERN_SIZE);
  for (let offset = 0; offset < PATTERN_SIZE; offset += 65536) {
    crypto.getRandomValues(half.subarray(offset, offset + 65536));
  }
  const both = new Uint8Array(2 * PATTERN_SIZE);
  both.set(half);
  both.set(half, PATTERN_SIZE);
  return both;
})();
const CHUNK = 16 * 1024;
const CHURN_SLOTS = 8;
const CHURN_MESSAGE = 64;
/** Longest one churn cycle or the final drain of a stream may take. */
const STEP_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One verified echo stream. */
interface Stream {
  readonly id: number;
  readonly conn: Deno.TcpConn;
  sent: number;
  received: number;
  writeClosed: boolean;
}

/** Echo streams, slow readers and churn against one port. */
export class EchoLoad {
  readonly figures: EchoFigures = { verifiedBytes: 0, churnCycles: 0 };
  readonly #port: number;
  readonly #options: EchoLoadOptions;
  readonly #problems: Problems;
  readonly #tasks: Promise<void>[] = [];
  #stopping = false;
  #nextId = 0;

  constructor(port: number, options: EchoLoadOptions, problems: Problems) {
    this.#port = port;
    this.#options = options;
    this.#problems = problems;
  }

  /** Connects the streams and slow readers and starts everything. */
  async start(): Promise<void> {
    const { streams, streamBytesPerS, slowReaders, churnPerS } = this.#options;
    for (let i = 0; i < streams; i++) {
      this.#tasks.push(this.#stream(await this.#open(), streamBytesPerS, false));
    }
    for (let i = 0; i < slowReaders; i++) {
      this.#tasks.push(this.#stream(await this.#open(), 320 * 1024, true));
    }
    for (let i = 0; i < CHURN_SLOTS; i++) this.#tasks.push(this.#churn(CHURN_SLOTS / churnPerS));
  }

  /** Stops sending, lets every stream drain (verifying the rest) and waits for all of it. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#tasks);
  }

  async #open(): Promise<Stream> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: this.#port });
    return { id: this.#nextId++, conn, sent: 0, received: 0, writeClosed: false };
  }

  async #stream(stream: Stream, bytesPerS: number, slow: boolean): Promise<void> {
    const reading = this.#read(stream, slow);
    try {
      const t0 = performance.now();
      while (!this.#stopping) {
        const wait = t0 + (stream.sent / bytesPerS) * 1000 - performance.now();
        if (wait > 0) {
          await sleep(Math.min(wait, 100));
          continue;
        }
        const start = (stream.id * 7919 + stream.sent) % PATTERN_SIZE;
        stream.sent += await stream.conn.write(PATTERN.subarray(start, start + CHUNK));
      }
      await stream.conn.closeWrite();
      stream.writeClosed = true;
    } catch (error) {
      this.#problems.add("echo: stream failed", `stream ${stream.id}: ${describeError(error)}`);
    }
    const drained = await Promise.race([reading.then(() => true), sleep(STEP_TIMEOUT_MS)]);
    if (!drained) this.#problems.add("echo: drain timed out", `stream ${stream.id}`);
    try {
      stream.conn.close();
    } catch { /* closed */ }
    await reading;
    const lost = stream.sent - stream.received;
    if (lost > 0) this.#problems.add("echo: lost bytes", `stream ${stream.id}: ${lost}`, lost);
  }

  async #read(stream: Stream, slow: boolean): Promise<void> {
    const buffer = new Uint8Array(slow ? 4096 : 65536);
    let mismatched = false;
    try {
      for (let n; (n = await stream.conn.read(buffer)) !== null;) {
        const start = (stream.id * 7919 + stream.received) % PATTERN_SIZE;
        const expected = PATTERN.subarray(start, start + n);
        for (let i = 0; i < n && !mismatched; i++) {
          if (buffer[i] !== expected[i]) {
            mismatched = true;
            this.#problems.add(
              "echo: corrupted bytes",
              `stream ${stream.id} at byte ${stream.received + i}`,
            );
          }
        }
        stream.received += n;
        this.figures.verifiedBytes += n;
        if (slow && !this.#stopping) await sleep(50);
      }
      if (!stream.writeClosed) {
        this.#problems.add("echo: closed by the server", `stream ${stream.id}`);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) { // BadResource: we closed it (drain timeout)
        this.#problems.add("echo: stream failed", `stream ${stream.id}: ${describeError(error)}`);
      }
    }
  }

  async #churn(periodS: number): Promise<void> {
    const message = new Uint8Array(CHURN_MESSAGE);
    while (!this.#stopping) {
      const t0 = performance.now();
      crypto.getRandomValues(message);
      let conn: Deno.TcpConn | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const cycle = (async () => {
          conn = await Deno.connect({ hostname: "127.0.0.1", port: this.#port });
          let written = 0;
          while (written < message.length) written += await conn.write(message.subarray(written));
          const echo = new Uint8Array(CHURN_MESSAGE);
          for (let got = 0; got < echo.length;) {
            const n = await conn.read(echo.subarray(got));
            if (n === null) throw new Error(`closed by the server after ${got} bytes`);
            got += n;
          }
          return echo.every((b, i) => b === message[i]);
        })();
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("no echo within 15 s")), STEP_TIMEOUT_MS);
        });
        const close = () => {
          try {
            (conn as Deno.TcpConn | undefined)?.close();
          } catch { /* closed */ }
        };
        // After a timeout the cycle may still connect: close whatever it opened then.
        cycle.then(close, close);
        try {
          if (await Promise.race([cycle, timeout])) this.figures.churnCycles++;
          else this.#problems.add("echo: churn echo corrupted");
        } finally {
          clearTimeout(timer);
          close();
        }
      } catch (error) {
        this.#problems.add("echo: churn failed", describeError(error));
      }
      await sleep(Math.max(0, periodS * 1000 - (performance.now() - t0)));
    }
  }
}
