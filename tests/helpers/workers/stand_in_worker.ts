/**
 * A stand-in for server/workers/worker_main.ts that speaks the same
 * protocol but serves nothing: it reports one listener named after itself,
 * and the first generation of worker 1 dies (an uncaught error) right after
 * it is ready, so tests can watch the supervisor start it again.
 */
import type { FromWorker, ToWorker } from "../../../server/workers/worker_protocol.ts";

const scope = globalThis as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

scope.onmessage = (event) => {
  const message = event.data;
  if (message.kind === "start") {
    const figures = {
      listeners: [{
        name: message.nodeId,
        addr: null,
        open: 0,
        accepted: 1,
        refused: 0,
        bytesIn: 0,
        bytesOut: 0,
        closed: { eof: 0, reset: 0, error: 0, idle: 0, shutdown: 0, server: 0, "slow-consumer": 0 },
      }],
      backlog: 0,
      queuedBytes: 0,
      size: 0,
      chat: null,
      refusals: [],
      refusedByAccess: {},
    };
    scope.postMessage({ kind: "ready", addresses: [] });
    scope.postMessage({ kind: "figures", figures });
    if (message.nodeId === "w1-1") {
      setTimeout(() => {
        throw new Error("stand-in crash");
      }, 10);
    }
    scope.onmessage = (next) => {
      if (next.data.kind === "stop" || next.data.kind === "abort") {
        scope.postMessage({ kind: "stopped", summary: { graceful: 0, cutOff: 0 }, figures });
      }
    };
  }
};
