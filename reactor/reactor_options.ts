import type { AcceptErrorKind } from "./accept_loop.ts";
import type { Clock } from "./clock.ts";
import { DEFAULT_DISPATCH_BUDGET } from "./dispatcher.ts";
import type { Conn } from "./handler.ts";

/** Settings of a {@link Reactor}. */
export interface ReactorOptions {
  /** Most open connections across all listeners; 0 means no limit. @default 0 */
  maxConnections?: number;
  /** Inbound silence after which a connection is idle; 0 disables. @default 300000 */
  idleTimeoutMs?: number;
  /** Time from `onIdle` to the close, for protocols that warn or probe. @default 30000 */
  idleGraceMs?: number;
  /** How long a graceful close waits for the peer without progress. @default 5000 */
  lingerMs?: number;
  /** Period of the heartbeat that expires idle, grace and linger waits. @default 1000 */
  heartbeatIntervalMs?: number;
  /**
   * Most bytes of unsent output held for all connections together; 0 means
   * no limit. Past it, the connections furthest behind (congested, with the
   * most queued) are closed as `slow-consumer` until the total is back
   * under, so peers that never read cannot take the memory of those that do.
   * @default 134217728
   */
  maxQueuedBytesTotal?: number;
  /** Decides at accept time, before a byte is read, who may connect. */
  admission?: Admission;
  /** Most connections served per event-loop iteration (see `Dispatcher`). @default 100 */
  dispatchBudget?: number;
  /**
   * The last connection id handed out, shared by the reactors of one process
   * (a `BigInt64Array` on a `SharedArrayBuffer` for worker threads), so ids
   * are unique and never reused in the whole process. @default a counter of its own
   */
  connectionIds?: BigInt64Array;
  /** Source of monotonic milliseconds (tests inject their own and call `tick()`). */
  clock?: Clock;
  /** Who hears about listener events (the server's log policy). */
  observer?: ReactorObserver;
}

/** The defaults of {@link ReactorOptions}, defined once. */
export const DEFAULT_REACTOR_OPTIONS = Object.freeze({
  maxConnections: 0,
  idleTimeoutMs: 300_000,
  idleGraceMs: 30_000,
  lingerMs: 5_000,
  heartbeatIntervalMs: 1_000,
  maxQueuedBytesTotal: 128 * 1024 * 1024,
  dispatchBudget: DEFAULT_DISPATCH_BUDGET,
});

/** How long `stop()` waits for connections to close gracefully, by default. */
export const DEFAULT_STOP_GRACE_MS = 5_000;

/**
 * Listener events, for whoever decides what is worth logging or counting.
 * The reactor reports; it does not log.
 */
export interface ReactorObserver {
  /** `accept()` failed; `failures` counts failures in a row that backed off (0 for `peer`). */
  acceptFailed?(listener: string, error: unknown, kind: AcceptErrorKind, failures: number): void;
  /** Accepting works again after `failures` failures. */
  acceptResumed?(listener: string, failures: number): void;
  /**
   * A connection was refused at accept time: `limit` when `maxConnections`
   * are open, else the reason the admission policy gave.
   */
  refused?(listener: string, peer: Deno.Addr, reason: string): void;
  /** The output budget was passed: `conn`, the furthest behind, is being closed. */
  shed?(conn: Conn, queuedTotal: number): void;
  /** A protocol callback threw; its connection closes with reason `error`. */
  handlerFailed?(conn: Conn, error: unknown): void;
}

/** How a graceful stop ended. */
export interface StopSummary {
  /** Connections that finished their close within the grace period. */
  graceful: number;
  /** Connections still open when the grace period ended, closed at once. */
  cutOff: number;
}

/**
 * An admission policy (access lists, per-address limits): consulted for
 * every accepted connection before a byte is read or written.
 */
export interface Admission {
  /** Returns `null` to admit `peer`, or why it is refused (for counters and logs). */
  admit(listener: string, peer: Deno.Addr): string | null;
  /** A connection it admitted has closed. */
  release(listener: string, peer: Deno.Addr): void;
}
