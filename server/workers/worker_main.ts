/**
 * The entry point of a worker thread (`--workers N`): one reactor, bound
 * with `reusePort` to the same ports as its siblings, its chat on the
 * supervisor's hub (or on Redis). It reports its figures every heartbeat
 * and stops when told.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { monotonicClock } from "../../reactor/mod.ts";
import { type Server, startServer } from "../app.ts";
import { createAdapter } from "../chat/adapter/create_adapter.ts";
import { HubAdapter } from "../chat/adapter/hub_adapter.ts";
import { BindError } from "../listeners.ts";
import { setupLogging } from "../logging.ts";
import type { FromWorker, ToWorker, WorkerFigures } from "./worker_protocol.ts";

/** How often a worker reports its figures to the supervisor, in milliseconds. */
const FIGURES_INTERVAL_MS = 1000;

const log = getLogger(["echochat", "worker"]);

/** The global scope of a worker thread, as far as this module uses it. */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;

function figuresOf(server: Server): WorkerFigures {
  return {
    listeners: server.reactor.stats(),
    backlog: server.reactor.backlog,
    queuedBytes: server.reactor.queuedBytes,
    size: server.reactor.size,
    chat: server.chat.stats(),
    refusals: server.refusals.counts(),
    refusedByAccess: server.access.stats().refused,
  };
}

async function start(message: Extract<ToWorker, { kind: "start" }>): Promise<void> {
  const { config } = message;
  await setupLogging({ level: config.logLevel, format: config.logFormat });
  const adapter = message.hub === null
    ? createAdapter(config)
    : new HubAdapter(message.nodeId, message.hub);
  let server: Server;
  try {
    server = await startServer(config, {
      adapter,
      tls: message.tls,
      reusePort: true,
      clock: monotonicClock,
      connectionIds: message.connectionIds,
      logLabels: { worker: message.nodeId },
    });
  } catch (error) {
    scope.postMessage({
      kind: "failed",
      message: error instanceof Error ? error.message : String(error),
      bind: error instanceof BindError,
    });
    return;
  }
  log.debug("Worker {nodeId} serving", { nodeId: message.nodeId });
  scope.postMessage({ kind: "ready", addresses: server.addresses });
  const reporter = setInterval(
    () => scope.postMessage({ kind: "figures", figures: figuresOf(server) }),
    FIGURES_INTERVAL_MS,
  );
  scope.onmessage = async (event) => {
    const command = event.data;
    if (command.kind === "stop") server.reactor.stop({ graceMs: command.graceMs });
    else if (command.kind === "abort") server.reactor.abort();
    else if (command.kind === "tls") {
      try {
        await server.reactor.replaceTls(command.listener, { cert: command.cert, key: command.key });
        scope.postMessage({ kind: "tls-done", id: command.id, error: null });
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        scope.postMessage({ kind: "tls-done", id: command.id, error: text });
      }
    }
  };
  const summary = await server.done;
  clearInterval(reporter);
  await server.chat.close();
  scope.postMessage({ kind: "stopped", summary, figures: figuresOf(server) });
}

scope.onmessage = (event) => {
  if (event.data.kind === "start") start(event.data);
};
