import { getLogger } from "@logtape/logtape";
import { monotonicClock } from "../../reactor/mod.ts";
import type { Config } from "../config.ts";
import { BindError } from "../listeners.ts";
import { type SideServices, startSideServices } from "../side_services.ts";
import { handleSignals } from "../signals.ts";
import { logTlsCertificate, type TlsCertificate, type TlsFiles } from "../tls.ts";
import { reloadOnHangup, TlsReloader } from "../tls_reload.ts";
import { NAME } from "../version.ts";
import { logListening, logStopped } from "../lifecycle_log.ts";
import { Supervisor } from "./supervisor.ts";

const log = getLogger(["echochat", "main"]);

/**
 * `--workers N`: the composition root of the main thread when it only
 * supervises. The workers serve TCP and TLS; the main thread keeps the chat
 * hub, UDP echo and the HTTP side port (its figures added up from the
 * workers' reports), the signal handlers and the TLS reload. Returns the
 * exit code.
 */
export async function runWorkers(
  config: Config,
  tls: { files: TlsFiles; certificate: TlsCertificate } | null,
): Promise<number> {
  let started;
  try {
    started = await Supervisor.start(
      config,
      tls === null ? null : { cert: tls.certificate.cert, key: tls.certificate.key },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (config.logFormat === "json") log.error("{error}", { error: message });
    else console.error(`${NAME}: ${message}`);
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
    if (config.logFormat === "json") log.error("{error}", { error: error.message });
    else console.error(`${NAME}: ${error.message}`);
    return 1;
  }

  const removeSignalHandlers = handleSignals(supervisor, config.shutdownGraceMs);
  const tlsListeners = addresses.map((a) => a.name).filter((name) => name.endsWith("-tls"));
  const removeReloadHandler = tls === null ? () => {} : reloadOnHangup(
    new TlsReloader(supervisor, {
      files: tls.files,
      hostname: config.host,
      listeners: tlsListeners,
      current: tls.certificate,
    }),
  );
  logListening(config, addresses, side);
  if (tls !== null) logTlsCertificate(tls.certificate, tls.files, tlsListeners);

  const result = await supervisor.done;
  removeSignalHandlers();
  removeReloadHandler();
  await side.close();
  logStopped(result.totals, result.summary, result.refusedByAccess);
  return result.code;
}
