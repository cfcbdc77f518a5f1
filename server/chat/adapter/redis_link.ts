/**
 * The two connections to Redis and their state: one for commands, one
 * subscribed to the chat channel (a subscribed connection can send nothing
 * else). node-redis reconnects each by itself with {@link backoffMs}; this
 * file turns their events into "ready" (both connected, the subscription
 * in place) and "lost".
 *
 * Nothing waits for Redis: the offline queue is off, so a command sent
 * while a connection is down fails at once instead of being buffered
 * without bound, and one that gets no answer fails after a timeout.
 *
 * @module
 */
import { createClient } from "@redis/client";

type Client = ReturnType<typeof createClient>;

/** Longest wait between two reconnection attempts, before jitter. */
export const MAX_BACKOFF_MS = 3000;

/** How long a command may wait for its answer before it fails. */
export const COMMAND_TIMEOUT_MS = 5000;

/** How long one connection attempt may take. */
const CONNECT_TIMEOUT_MS = 2000;

/**
 * The wait before reconnection attempt `retries` (0-based): 100 ms doubling
 * up to {@link MAX_BACKOFF_MS}, plus up to 20% jitter so that servers cut
 * off together do not knock on a restarted Redis in lockstep.
 */
export function backoffMs(retries: number, random: () => number = Math.random): number {
  return Math.round(
    Math.min(100 * 2 ** Math.min(retries, 16), MAX_BACKOFF_MS) * (1 + random() * 0.2),
  );
}

/** What the link reports. */
export interface LinkListener {
  /** A message arrived on the channel. */
  message(text: string): void;
  /** Both connections are ready and subscribed, after being down (or for the first time). */
  ready(): void;
  /** A connection failed or dropped (called for every failed attempt); reconnection goes on. */
  lost(cause: string): void;
}

/** A pair of Redis connections: see the module documentation. */
export class RedisLink {
  readonly #cmd: Client;
  readonly #sub: Client;
  readonly #channel: string;
  readonly #listener: LinkListener;
  readonly #onMessage = (text: string) => this.#listener.message(text);
  #subscribed = false;
  #ready = false;
  #closed = false;

  constructor(url: string, channel: string, listener: LinkListener) {
    this.#channel = channel;
    this.#listener = listener;
    const options = {
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => backoffMs(retries),
      },
    };
    this.#cmd = createClient(options);
    this.#sub = createClient(options);
    for (const client of [this.#cmd, this.#sub]) {
      client.on("error", (error: unknown) => this.#lost(error));
      client.on("reconnecting", () => this.#lost("reconnecting"));
      client.on("end", () => this.#lost("closed"));
      client.on("ready", () => this.#check());
    }
  }

  /** Starts connecting; {@link LinkListener.ready} follows once both connections are up. */
  connect(): void {
    // connect() settles when the first attempt succeeds or the client is
    // closed; failures are reported through the "error" events.
    this.#cmd.connect().catch(() => {});
    this.#sub.connect().catch(() => {});
  }

  /** Whether commands can be sent and events are heard. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Sends one command; fails at once while the link is down. */
  command(args: readonly string[]): Promise<unknown> {
    if (!this.#ready) return Promise.reject(new Error("The Redis link is down"));
    return this.#cmd.sendCommand([...args]);
  }

  /**
   * Sends commands in one round trip: one MULTI/EXEC transaction if
   * `atomic` (no other client's command runs between them), else a plain
   * pipeline. Resolves with their replies in order.
   */
  batch(commands: readonly (readonly string[])[], atomic: boolean): Promise<unknown[]> {
    if (!this.#ready) return Promise.reject(new Error("The Redis link is down"));
    if (commands.length === 0) return Promise.resolve([]);
    const multi = this.#cmd.multi();
    for (const args of commands) multi.addCommand([...args]);
    return (atomic ? multi.exec() : multi.execAsPipeline()) as Promise<unknown[]>;
  }

  /**
   * Closes both connections, letting commands already sent get their
   * answers for up to `graceMs`, then drops whatever is left.
   */
  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    this.#ready = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closing = Promise.allSettled(
      [this.#cmd, this.#sub].map((client) => client.isOpen ? client.close() : Promise.resolve()),
    );
    const late = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), graceMs)),
    ]);
    clearTimeout(timer);
    if (late) {
      for (const client of [this.#cmd, this.#sub]) {
        try {
          client.destroy();
        } catch { /* already closed */ }
      }
    }
  }

  #check(): void {
    if (this.#closed || this.#ready) return;
    if (this.#sub.isReady && !this.#subscribed) {
      // The same listener function each time: node-redis keeps a Set, so a
      // retried subscribe never doubles deliveries. After the first success
      // node-redis resubscribes by itself on every reconnection, before
      // "ready".
      this.#sub.subscribe(this.#channel, this.#onMessage).then(
        () => {
          this.#subscribed = true;
          this.#check();
        },
        (error: unknown) => this.#lost(error),
      );
      return;
    }
    if (!this.#cmd.isReady || !this.#sub.isReady || !this.#subscribed) return;
    this.#ready = true;
    this.#listener.ready();
  }

  #lost(cause: unknown): void {
    // An error while both connections stay ready (none is known) lost nothing.
    if (this.#closed || (this.#cmd.isReady && this.#sub.isReady)) return;
    this.#ready = false;
    this.#listener.lost(cause instanceof Error ? cause.message : String(cause));
  }
}
