/**
 * An in-memory stand-in for a connected socket (libevent's
 * `bufferevent_pair_new`): the reactor gets `stream`, the test plays the
 * peer. Reads and writes complete at once, as Deno's do when the socket is
 * ready, so tests drive connections without sockets and without waiting.
 */
import type { Stream } from "../../reactor/mod.ts";

/** The peer's side of an in-memory connection. */
export class MemoryPeer {
  /** The end handed to the reactor. */
  readonly stream: Stream;
  /** Every buffer the server wrote, in order (one entry per `write` call). */
  readonly writes: Uint8Array[] = [];
  /** Whether the server sent FIN (`closeWrite`). */
  serverEnded = false;
  /** Whether the server closed its end. */
  closed = false;
  /** Most bytes one server write takes, or Infinity; 0: writes never complete (a peer that never reads). */
  writeLimit = Infinity;

  #inbound: Uint8Array[] = [];
  #peerEnded = false;
  #reset = false;
  #pendingRead: {
    buffer: Uint8Array;
    resolve: (n: number | null) => void;
    reject: (e: Error) => void;
  } | null = null;

  constructor(port = 40000) {
    const remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "192.0.2.1", port };
    this.stream = {
      remoteAddr,
      read: (buffer: Uint8Array) => this.#read(buffer),
      write: (bytes: Uint8Array) => this.#write(bytes),
      closeWrite: () => {
        this.serverEnded = true;
        return Promise.resolve();
      },
      close: () => {
        this.closed = true;
        this.#pendingRead?.reject(new Deno.errors.BadResource("closed"));
        this.#pendingRead = null;
      },
    };
  }

  /** What the server wrote, as text. */
  get text(): string {
    return this.writes.map((bytes) => new TextDecoder().decode(bytes)).join("");
  }

  /** The peer sends bytes (a string is UTF-8 encoded). */
  send(data: Uint8Array | string): void {
    this.#inbound.push(typeof data === "string" ? new TextEncoder().encode(data) : data);
    this.#serveRead();
  }

  /** The peer sends FIN. */
  end(): void {
    this.#peerEnded = true;
    this.#serveRead();
  }

  /** The peer resets the connection: pending and later I/O fails. */
  reset(): void {
    this.#reset = true;
    this.#serveRead();
  }

  #read(buffer: Uint8Array): Promise<number | null> {
    return new Promise((resolve, reject) => {
      this.#pendingRead = { buffer, resolve, reject };
      this.#serveRead();
    });
  }

  #serveRead(): void {
    const pending = this.#pendingRead;
    if (pending === null) return;
    if (this.#reset) {
      this.#pendingRead = null;
      pending.reject(new Deno.errors.ConnectionReset("reset by peer"));
      return;
    }
    const chunk = this.#inbound[0];
    if (chunk === undefined) {
      if (!this.#peerEnded) return;
      this.#pendingRead = null;
      pending.resolve(null);
      return;
    }
    const n = Math.min(chunk.length, pending.buffer.length);
    pending.buffer.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#inbound.shift();
    else this.#inbound[0] = chunk.subarray(n);
    this.#pendingRead = null;
    pending.resolve(n);
  }

  #write(bytes: Uint8Array): Promise<number> {
    if (this.#reset) return Promise.reject(new Deno.errors.ConnectionReset("reset by peer"));
    if (this.writeLimit === 0) return new Promise(() => {});
    const n = Math.min(bytes.length, this.writeLimit);
    this.writes.push(bytes.slice(0, n));
    return Promise.resolve(n);
  }
}

/** Lets every pending completion, turn and fallback timer run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A clock the test moves by hand. */
export class ManualClock {
  now = 0;
  /** The clock function to inject. */
  readonly read = (): number => this.now;
  /** Moves the clock forward. */
  advance(ms: number): void {
    this.now += ms;
  }
}
