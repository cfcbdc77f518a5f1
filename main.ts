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
import { getLogger } from "@logtape/logtape";
import { monotonicClock, Reactor } from "./reactor/mod.ts";
import {
  type Config,
  ConfigError,
  describeConfig,
  helpText,
  parseCommandLine,
} from "./server/config.ts";
import { LocalAdapter } from "./server/chat/adapter/local_adapter.ts";
import { createChatProtocol } from "./server/chat/chat_protocol.ts";
import { AccessPolicy } from "./server/access/access_policy.ts";
import { createEchoHandler, ECHO_BUFFERS } from "./server/echo_handler.ts";
import { withConnectionLog } from "./server/connection_log.ts";
import { listenerLog } from "./server/listener_log.ts";
import { setupLogging, shutdownLogging } from "./server/logging.ts";
import { BindError, bindListeners } from "./server/listeners.ts";
import { plural } from "./server/plural.ts";
import { handleSignals } from "./server/signals.ts";
import { RefusalCounter } from "./server/metrics/refusal_counter.ts";
import { type SideServices, startSideServices } from "./server/side_services.ts";
import {
  loadTlsCertificate,
  logTlsCertificate,
  type TlsCertificate,
  TlsError,
  type TlsFiles,
} from "./server/tls.ts";
import { reloadOnHangup, TlsReloader } from "./server/tls_reload.ts";
import { NAME, VERSION } from "./server/version.ts";

const log = getLogger(["echochat", "main"]);

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
  let tls: { files: TlsFiles; certificate: TlsCertificate } | null = null;
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
  const clock = monotonicClock;
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
    ...(access.active ? { admission: access } : {}),
    observer: refusals.observe(
      listenerLog(config.maxConnections, undefined, (reason) => access.describe(reason)),
    ),
  });

  let addresses;
  let side: SideServices;
  try {
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
    }, new LocalAdapter({ historyLines: config.history }));
    await chat.start();
    addresses = bindListeners(reactor, config, {
      echo: {
        handler: withConnectionLog(createEchoHandler({ prefix: config.echoPrefix }), clock),
        buffers: ECHO_BUFFERS,
      },
      chat: { ...chat, handler: withConnectionLog(chat.handler, clock, chat.closeDetails) },
    }, tls === null ? undefined : { cert: tls.certificate.cert, key: tls.certificate.key });
    side = startSideServices({
      config,
      reactor,
      chat: config.chatPort === null ? null : chat.stats,
      refusals,
      echoPort: addresses.find((a) => a.name === "echo")?.port ?? null,
      clock,
    });
  } catch (error) {
    if (!(error instanceof BindError)) throw error;
    await reactor.abort();
    if (config.logFormat === "json") log.error("{error}", { error: error.message });
    else console.error(`${NAME}: ${error.message}`);
    await shutdownLogging();
    return 1;
  }

  // Before the startup line: whoever reads it may signal at once.
  const removeSignalHandlers = handleSignals(reactor, config.shutdownGraceMs);

  // SIGHUP reloads from the moment the startup line says the TLS ports are there.
  const tlsListeners = addresses.map((a) => a.name).filter((name) => name.endsWith("-tls"));
  const removeReloadHandler = tls === null ? () => {} : reloadOnHangup(
    new TlsReloader(reactor, {
      files: tls.files,
      hostname: config.host,
      listeners: tlsListeners,
      current: tls.certificate,
    }),
  );

  log.info("{name} {version} listening: {listening}", {
    name: NAME,
    version: VERSION,
    listening: [...addresses, ...side.addresses].map((a) => `${a.name} on ${a.address}`)
      .join(", "),
    echoAddress: addresses.find((a) => a.name === "echo")?.address ?? null,
    chatAddress: addresses.find((a) => a.name === "chat")?.address ?? null,
    udpAddress: side.udpAddress,
    httpAddress: side.httpAddress,
    echoTlsAddress: addresses.find((a) => a.name === "echo-tls")?.address ?? null,
    chatTlsAddress: addresses.find((a) => a.name === "chat-tls")?.address ?? null,
    pid: Deno.pid,
    settings: describeConfig(config),
  });

  if (tls !== null) logTlsCertificate(tls.certificate, tls.files, tlsListeners);

  const summary = await reactor.run();
  removeSignalHandlers();
  removeReloadHandler();
  await side.close();
  const totals = reactor.stats().reduce(
    (sum, listener) => ({
      accepted: sum.accepted + listener.accepted,
      refused: sum.refused + listener.refused,
    }),
    { accepted: 0, refused: 0 },
  );
  log.info("Stopped after {connections} ({refused} refused); {cutOff} cut off at the grace", {
    ...totals,
    ...summary,
    refusedByAccess: access.stats().refused,
    connections: plural(totals.accepted, "connection"),
  });
  await shutdownLogging();
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
