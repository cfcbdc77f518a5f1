/**
 * echochat: a TCP echo and chat server on one reactor.
 *
 * Composition root: command line -> TLS certificate -> logging -> reactor +
 * listeners -> run. Exit codes: 0 after a clean stop, 1 when a port cannot
 * be bound, 2 for a bad flag or environment value, or a TLS certificate or
 * key that cannot be used.
 *
 * @module
 */
import { monotonicClock } from "./reactor/mod.ts";
import { connectionTotals, type Server, startServer } from "./server/app.ts";
import { type Config, ConfigError, helpText, parseCommandLine } from "./server/config.ts";
import { createAdapter } from "./server/chat/adapter/create_adapter.ts";
import { setupLogging, shutdownLogging } from "./server/logging.ts";
import { BindError } from "./server/listeners.ts";
import { type SideServices, startSideServices } from "./server/side_services.ts";
import { type LoadedTls, loadTlsCertificate, TlsError } from "./server/tls.ts";
import { NAME, VERSION } from "./server/version.ts";
import { logBindFailure, logStopped } from "./server/lifecycle_log.ts";
import { serveUntilStopped } from "./server/serve_until_stopped.ts";
import { runWorkers } from "./server/workers/run_workers.ts";

async function main(args: string[]): Promise<number> {
  let config: Config;
  try {
    const command = parseCommandLine(args, (name) => Deno.env.get(name));
    if (command.kind === "help") {
      console.log(helpText(NAME, VERSION));
      return 0;
    }
    if (command.kind === "version") {
      console.log(`${NAME} ${VERSION}`);
      return 0;
    }
    config = command.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${NAME}: ${error.message}`);
    return 2;
  }

  // Read and check the TLS files before anything is bound: a bad pair is a bad flag.
  let tls: LoadedTls | null = null;
  if (config.tlsCert !== null && config.tlsKey !== null) {
    const files = { cert: config.tlsCert, key: config.tlsKey };
    try {
      tls = { files, certificate: await loadTlsCertificate(files, config.host) };
    } catch (error) {
      if (!(error instanceof TlsError)) throw error;
      console.error(`${NAME}: ${error.message}`);
      return 2;
    }
  }

  await setupLogging({ level: config.logLevel, format: config.logFormat });
  if (config.workers > 1) {
    const code = await runWorkers(config, tls);
    await shutdownLogging();
    return code;
  }
  const clock = monotonicClock;
  let server: Server;
  let side: SideServices;
  try {
    server = await startServer(config, {
      adapter: createAdapter(config),
      tls: tls?.certificate ?? null,
      clock,
    });
    try {
      side = startSideServices({
        config,
        reactor: server.reactor,
        chat: config.chatPort === null ? null : server.chat.stats,
        refusals: server.refusals,
        echoPort: server.addresses.find((a) => a.name === "echo")?.port ?? null,
        clock,
      });
    } catch (error) {
      await server.reactor.abort();
      throw error;
    }
  } catch (error) {
    if (!(error instanceof BindError)) throw error;
    logBindFailure(config, error.message);
    await shutdownLogging();
    return 1;
  }
  const summary = await serveUntilStopped(config, tls, {
    server: server.reactor,
    addresses: server.addresses,
    side,
    done: server.done,
  });
  await server.chat.close(); // after every user left: their nicks are released, then the link closes
  const totals = connectionTotals(server.reactor.stats());
  logStopped(totals, summary, server.access.stats().refused);
  await shutdownLogging();
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
