import { getLogger } from "@logtape/logtape";

/** What a stop request acts on: one reactor, or a supervisor of several. */
export interface Stoppable {
  /** Connections open now. */
  readonly size: number;
  /** Stops gracefully within `graceMs`. */
  stop(options: { graceMs: number }): unknown;
  /** Closes everything now. */
  abort(): unknown;
}
import { plural } from "./plural.ts";

const log = getLogger(["echochat", "main"]);

/**
 * Signals closer together than this are one: Ctrl-C on `deno task start`
 * reaches both `deno task` and echochat, and `deno task` forwards it, so
 * echochat sees two SIGINTs a few milliseconds apart.
 */
export const SIGNAL_ECHO_MS = 1000;

/**
 * SIGINT and SIGTERM stop gracefully within `graceMs`; a second signal, at
 * least {@link SIGNAL_ECHO_MS} after the first, aborts at once. Returns a
 * function that removes the handlers.
 */
export function handleSignals(
  reactor: Stoppable,
  graceMs: number,
  now: () => number = () => performance.now(),
): () => void {
  let firstAt: number | null = null;
  const onSignal = (signal: Deno.Signal) => () => {
    const at = now();
    if (firstAt === null) {
      firstAt = at;
      log.info("{signal}: stopping, waiting up to {graceSeconds} s for {connections}", {
        signal,
        graceSeconds: graceMs / 1000,
        open: reactor.size,
        connections: plural(reactor.size, "connection"),
      });
      reactor.stop({ graceMs });
    } else if (at - firstAt < SIGNAL_ECHO_MS) {
      log.debug("{signal} again within {echoMs} ms: the same stop request", {
        signal,
        echoMs: SIGNAL_ECHO_MS,
      });
    } else {
      log.warn("{signal} again: closing {connections} now", {
        signal,
        open: reactor.size,
        connections: plural(reactor.size, "connection"),
      });
      reactor.abort();
    }
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => [signal, onSignal(signal)] as const);
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  };
}
