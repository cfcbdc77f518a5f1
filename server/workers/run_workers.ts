import { monotonicClock } from "../../reactor/mod.ts";
import type { Config } from "../config.ts";
import { BindError } from "../listeners.ts";
import { type SideServices, startSideServices } from "../side_services.ts";
import type { LoadedTls } from "../tls.ts";
import { logBindFailure, logStopped } from "../lifecycle_log.ts";
import { serveUntilStopped } from "../serve_until_stopped.ts";
import { Supervisor } from "./supervisor.ts";

/**
 * `--workers N`: the composition root of the main thread when it only
 * supervises. The workers serve TCP and TLS; the main thread keeps the chat
 * hub, UDP echo and the HTTP side port (its figures added up from the
 * workers' reports), the signal handlers and the TLS reload. Returns the
 * exit code.
 */
export async function runWorkers(
  config: Config,
  tls: LoadedTls | null,
): Promise<number> {
  let started;
  try {
    started = await Supervisor.start(
      config,
      tls === null ? null : { cert: tls.certificate.cert, key: tls.certificate.key },
    );
  } catch (error) {
    logBindFailure(config, error instanceof Error ? error.message : String(error));
    return 1;
  }
  const { supervisor, addresses } = started;
  let side: SideServices;
  try {
    side = startSideServices({
      config,
      reactor: supervisor,
      chat: config.chatPort === null ? null : () => supervisor.chatStats(),
      refusals: supervisor,
      echoPort: addresses.find((a) => a.name === "echo")?.port ?? null,
      clock: monotonicClock,
    });
  } catch (error) {
    if (!(error instanceof BindError)) throw error;
    await supervisor.abort();
    logBindFailure(config, error.message);
    return 1;
  }

  const result = await serveUntilStopped(config, tls, {
    server: supervisor,
    addresses,
    side,
    done: supervisor.done,
  });
  logStopped(result.totals, result.summary, result.refusedByAccess);
  return result.code;
}
