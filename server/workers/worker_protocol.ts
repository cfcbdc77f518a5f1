/**
 * The messages between the supervisor (main thread) and a worker thread.
 * Configuration and certificates go in; addresses, figures and the stop
 * summary come out. The chat's hub talks over a port of its own.
 *
 * @module
 */
import type { ListenerStats, StopSummary } from "../../reactor/mod.ts";
import type { ChatStats } from "../chat/chat_node.ts";
import type { Config } from "../config.ts";
import type { BoundAddress } from "../listeners.ts";
import type { RefusalCount } from "../metrics/refusal_counter.ts";

/** What one worker reports of itself, every heartbeat. */
export interface WorkerFigures {
  listeners: ListenerStats[];
  backlog: number;
  queuedBytes: number;
  size: number;
  chat: ChatStats | null;
  refusals: RefusalCount[];
  refusedByAccess: Record<string, number>;
}

/** The supervisor to a worker. */
export type ToWorker =
  /** Serve `config` (its ports already resolved), as chat node `nodeId`. */
  | {
    kind: "start";
    config: Config;
    nodeId: string;
    tls: { cert: string; key: string } | null;
    hub: MessagePort | null;
    /** The process-wide last connection id, on a SharedArrayBuffer. */
    connectionIds: BigInt64Array;
  }
  /** Stop gracefully within `graceMs`. */
  | { kind: "stop"; graceMs: number }
  /** Close everything now. */
  | { kind: "abort" }
  /** Serve new TLS connections of `listener` with this certificate; answer with `id`. */
  | { kind: "tls"; id: number; listener: string; cert: string; key: string };

/** A worker to the supervisor. */
export type FromWorker =
  /** Bound and serving. */
  | { kind: "ready"; addresses: BoundAddress[] }
  /** Could not start; `bind` when a port could not be bound (exit code 1). */
  | { kind: "failed"; message: string; bind: boolean }
  /** The latest figures. */
  | { kind: "figures"; figures: WorkerFigures }
  /** The answer to a `tls` request. */
  | { kind: "tls-done"; id: number; error: string | null }
  /** Stopped; the figures are final. */
  | { kind: "stopped"; summary: StopSummary; figures: WorkerFigures };
