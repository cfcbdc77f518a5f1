/**
 * What a run does between binding and exiting, the same whether one
 * reactor serves or a supervisor of workers does.
 *
 * @module
 */
import type { Config } from "./config.ts";
import { logListening } from "./lifecycle_log.ts";
import type { BoundAddress } from "./listeners.ts";
import type { SideServices } from "./side_services.ts";
import { handleSignals, type Stoppable } from "./signals.ts";
import { type LoadedTls, logTlsCertificate } from "./tls.ts";
import { reloadOnHangup, type TlsRebinder, TlsReloader } from "./tls_reload.ts";

/** A server whose ports are bound: the reactor, or the supervisor of workers. */
export interface BoundServer<Result> {
  /** What a signal stops and SIGHUP rebinds. */
  server: Stoppable & TlsRebinder;
  /** Its TCP and TLS listeners. */
  addresses: readonly BoundAddress[];
  /** UDP echo and the HTTP side port beside it. */
  side: SideServices;
  /** Settles once it has stopped. */
  done: Promise<Result>;
}

/**
 * Installs the signal handlers and the TLS reload, writes the startup
 * lines, waits for the stop, then removes the handlers and closes the side
 * services. Resolves to what `done` settled to.
 */
export async function serveUntilStopped<Result>(
  config: Config,
  tls: LoadedTls | null,
  bound: BoundServer<Result>,
): Promise<Result> {
  const { server, addresses, side } = bound;
  // Before the startup line: whoever reads it may signal at once.
  const removeSignalHandlers = handleSignals(server, config.shutdownGraceMs);

  // SIGHUP reloads from the moment the startup line says the TLS ports are there.
  const tlsListeners = addresses.map((a) => a.name).filter((name) => name.endsWith("-tls"));
  const removeReloadHandler = tls === null ? () => {} : reloadOnHangup(
    new TlsReloader(server, {
      files: tls.files,
      hostname: config.host,
      listeners: tlsListeners,
      current: tls.certificate,
    }),
  );

  logListening(config, addresses, side);
  if (tls !== null) logTlsCertificate(tls.certificate, tls.files, tlsListeners);

  const result = await bound.done;
  removeSignalHandlers();
  removeReloadHandler();
  await side.close();
  return result;
}
