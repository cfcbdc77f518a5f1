import type { AcceptLoop } from "./accept_loop.ts";
import { type BufferOptions, resolveBufferOptions } from "./buffer_options.ts";
import { CLOSE_REASONS, type CloseReason } from "./close_reason.ts";
import type { Traffic } from "./connection.ts";
import type { Handler } from "./handler.ts";

/** A protocol and how its connections are buffered. */
export interface Protocol<S = unknown> {
  /** The protocol's callbacks. */
  handler: Handler<S>;
  /** Buffering of its connections. */
  buffers?: Partial<BufferOptions>;
  /** Written, best effort, to a connection refused at `maxConnections` before it is closed. */
  refusal?: Uint8Array;
  /**
   * Called on every heartbeat with the clock's time (gnet's `OnTick`), once
   * per protocol however many listeners serve it: for the protocol's own
   * timed work, so that it needs no timer of its own.
   */
  tick?(now: number): void;
}

/** Where and what one listener serves. */
export interface ListenOptions<S> {
  /** Name used in logs, counters and `Conn.listener` (`echo`, `chat-tls`). */
  name: string;
  /** Address to bind. */
  hostname: string;
  /** Port to bind; 0 lets the OS pick a free one. */
  port: number;
  /** What its connections speak. */
  protocol: Protocol<S>;
  /** TLS certificate chain and key (PEM): listen with `Deno.listenTls`. */
  tls?: { cert: string; key: string };
  /**
   * Share the port with other listeners that ask the same (`SO_REUSEPORT`):
   * the kernel spreads new connections over them. Needs `--unstable-net`.
   * @default false
   */
  reusePort?: boolean;
}

/** Counters of one listener. */
export interface ListenerStats extends Traffic {
  /** Listener name. */
  name: string;
  /** The bound address; `null` for streams passed to `add`. */
  addr: Deno.NetAddr | null;
  /** Connections open now (closing ones included until their socket closes). */
  open: number;
  /** Connections accepted. */
  accepted: number;
  /** Connections refused at accept time: at `maxConnections`, or by the admission policy. */
  refused: number;
  /** Closes by reason. */
  closed: Record<CloseReason, number>;
}

/** One listener (or a name streams are `add`ed under): what it serves and its counters. */
export interface ListenerEntry {
  /** Its accept loop; `null` once closed, or for streams passed to `add`. */
  loop: AcceptLoop | null;
  /** What its connections speak. */
  readonly protocol: Protocol<unknown>;
  /** The protocol's buffer options, resolved once. */
  readonly buffers: BufferOptions;
  /** Its counters, updated in place by its connections. */
  readonly stats: ListenerStats;
}

/** The reactor's listeners by name. */
export class ListenerRegistry {
  readonly #entries = new Map<string, ListenerEntry>();

  /** Whether a listener has this name. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** The listener named `name`; it must exist. */
  get(name: string): ListenerEntry {
    return this.#entries.get(name) as ListenerEntry;
  }

  /** Registers a listener with zeroed counters. */
  add(
    name: string,
    protocol: Protocol<unknown>,
    addr: Deno.NetAddr | null,
    loop: AcceptLoop | null,
  ): void {
    if (this.#entries.has(name)) throw new RangeError(`A listener named ${name} already exists`);
    const closed = Object.fromEntries(CLOSE_REASONS.map((r) => [r, 0])) as Record<
      CloseReason,
      number
    >;
    this.#entries.set(name, {
      loop,
      protocol,
      buffers: resolveBufferOptions(protocol.buffers),
      stats: { name, addr, open: 0, accepted: 0, refused: 0, bytesIn: 0, bytesOut: 0, closed },
    });
  }

  /** Stops one listener's accept loop; returns whether it had one. */
  close(name: string): boolean {
    const entry = this.#entries.get(name);
    if (entry?.loop == null) return false;
    entry.loop.close();
    entry.loop = null;
    return true;
  }

  /** Stops every accept loop. */
  closeAll(): void {
    for (const name of this.#entries.keys()) this.close(name);
  }

  /** Ends the backoff of every accept loop that is pausing after a failure. */
  retryAll(): void {
    for (const entry of this.#entries.values()) entry.loop?.retry();
  }

  /** Every distinct protocol served. */
  protocols(): Set<Protocol<unknown>> {
    return new Set([...this.#entries.values()].map((entry) => entry.protocol));
  }

  /** A copy of every listener's counters. */
  stats(): ListenerStats[] {
    return [...this.#entries.values()].map((entry) => ({
      ...entry.stats,
      closed: { ...entry.stats.closed },
    }));
  }
}
