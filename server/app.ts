import {
  type Clock,
  type ListenerStats,
  monotonicClock,
  Reactor,
  type StopSummary,
} from "../reactor/mod.ts";
import { AccessPolicy } from "./access/access_policy.ts";
import type { ChatAdapter } from "./chat/adapter/chat_adapter.ts";
import { type ChatProtocol, createChatProtocol } from "./chat/chat_protocol.ts";
import type { Config } from "./config.ts";
import { withConnectionLog } from "./connection_log.ts";
import { createEchoHandler, ECHO_BUFFERS } from "./echo_handler.ts";
import { listenerLog } from "./listener_log.ts";
import { bindListeners, type BoundAddress } from "./listeners.ts";
import { RefusalCounter } from "./metrics/refusal_counter.ts";
import { NAME, VERSION } from "./version.ts";

/** What {@link startServer} needs besides the configuration. */
export interface ServerOptions {
  /** The chat's shared state (in-process, a worker's hub, or Redis). */
  adapter: ChatAdapter;
  /** The TLS certificate chain and key (PEM) for the TLS listeners, if any. */
  tls: { cert: string; key: string } | null;
  /** Share the ports with other reactors of this machine (`SO_REUSEPORT`, `--workers`). */
  reusePort?: boolean;
  /** Monotonic clock. @default performance.now */
  clock?: Clock;
  /** The process-wide connection id counter (shared by worker threads). */
  connectionIds?: BigInt64Array;
  /** Added to every connection log record, e.g. `{ worker: "w1-1" }`. */
  logLabels?: Record<string, unknown>;
}

/** One reactor serving echo and chat, bound and running. */
export interface Server {
  readonly reactor: Reactor;
  readonly chat: ChatProtocol;
  readonly access: AccessPolicy;
  readonly refusals: RefusalCounter;
  /** The TCP and TLS listeners it bound. */
  readonly addresses: BoundAddress[];
  /** Resolves when the reactor has stopped. */
  readonly done: Promise<StopSummary>;
}

/**
 * Builds one server from the configuration: the reactor with its access
 * policy and log policy, the echo and chat protocols, and their listeners
 * (plain and TLS). The same code serves a single process and each worker
 * thread. Throws `BindError` (after closing what it bound) when a port
 * cannot be bound.
 */
export async function startServer(config: Config, options: ServerOptions): Promise<Server> {
  const clock = options.clock ?? monotonicClock;
  const access = new AccessPolicy({
    allow: config.allow,
    deny: config.deny,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    connectionRate: config.connectionRate,
    connectionBurst: config.connectionBurst,
    now: clock,
  });
  const refusals = new RefusalCounter();
  const reactor = new Reactor({
    maxConnections: config.maxConnections,
    idleTimeoutMs: config.idleTimeoutMs,
    idleGraceMs: config.idleGraceMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxQueuedBytesTotal: config.maxQueuedBytesTotal,
    clock,
    ...(options.connectionIds === undefined ? {} : { connectionIds: options.connectionIds }),
    ...(access.active ? { admission: access } : {}),
    observer: refusals.observe(
      listenerLog(config.maxConnections, undefined, (reason) => access.describe(reason)),
    ),
  });
  const chat = createChatProtocol({
    serverName: `${NAME} ${VERSION}`,
    maxLineBytes: config.maxLineBytes,
    rateLimit: config.rateLimit,
    rateBurst: config.rateBurst,
    history: config.history,
    maxRooms: config.maxRooms,
    idleTimeoutSeconds: config.idleTimeoutMs / 1000,
    idleGraceSeconds: config.idleGraceMs / 1000,
    now: clock,
    wallClock: Date.now,
  }, options.adapter);
  await chat.start();
  try {
    const tls = options.tls;
    const addresses = bindListeners(
      reactor,
      config,
      {
        echo: {
          handler: withConnectionLog(
            createEchoHandler({ prefix: config.echoPrefix }),
            clock,
            undefined,
            options.logLabels,
          ),
          buffers: ECHO_BUFFERS,
        },
        chat: {
          ...chat,
          handler: withConnectionLog(chat.handler, clock, chat.closeDetails, options.logLabels),
        },
      },
      tls === null ? undefined : { cert: tls.cert, key: tls.key },
      options.reusePort ?? false,
    );
    return { reactor, chat, access, refusals, addresses, done: reactor.run() };
  } catch (error) {
    await reactor.abort();
    await options.adapter.close();
    throw error;
  }
}

/** The totals of the stop line: connections accepted and refused over all listeners. */
export function connectionTotals(
  listeners: readonly ListenerStats[],
): { accepted: number; refused: number } {
  return listeners.reduce(
    (sum, listener) => ({
      accepted: sum.accepted + listener.accepted,
      refused: sum.refused + listener.refused,
    }),
    { accepted: 0, refused: 0 },
  );
}
