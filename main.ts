/**
 * echochat: a TCP echo and chat server on one reactor.
 *
 * Composition root: command line -> logging -> reactor + listeners -> run.
 * Exit codes: 0 after a clean stop, 1 when a port cannot be bound, 2 for a
 * bad flag or environment value.
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
import { createAdapter } from "./server/chat/adapter/create_adapter.ts";
import { createChatProtocol } from "./server/chat/chat_protocol.ts";
import { createEchoHandler, ECHO_BUFFERS } from "./server/echo_handler.ts";
import { withConnectionLog } from "./server/connection_log.ts";
import { listenerLog } from "./server/listener_log.ts";
import { setupLogging, shutdownLogging } from "./server/logging.ts";
import { BindError, bindListeners } from "./server/listeners.ts";
import { plural } from "./server/plural.ts";
import { handleSignals } from "./server/signals.ts";
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

  await setupLogging({ level: config.logLevel, format: config.logFormat });
  const clock = monotonicClock;
  const reactor = new Reactor({
    maxConnections: config.maxConnections,
    idleTimeoutMs: config.idleTimeoutMs,
    idleGraceMs: config.idleGraceMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxQueuedBytesTotal: config.maxQueuedBytesTotal,
    clock,
    observer: listenerLog(config.maxConnections),
  });

  let addresses;
  const adapter = createAdapter(config);
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
    }, adapter);
    await chat.start();
    addresses = bindListeners(reactor, config, {
      echo: {
        handler: withConnectionLog(createEchoHandler({ prefix: config.echoPrefix }), clock),
        buffers: ECHO_BUFFERS,
      },
      chat: { ...chat, handler: withConnectionLog(chat.handler, clock, chat.closeDetails) },
    });
  } catch (error) {
    if (!(error instanceof BindError)) throw error;
    await reactor.abort();
    await adapter.close();
    if (config.logFormat === "json") log.error("{error}", { error: error.message });
    else console.error(`${NAME}: ${error.message}`);
    await shutdownLogging();
    return 1;
  }

  log.info("{name} {version} listening: {listening}", {
    name: NAME,
    version: VERSION,
    listening: addresses.map((a) => `${a.name} on ${a.address}`).join(", "),
    echoAddress: addresses.find((a) => a.name === "echo")?.address ?? null,
    chatAddress: addresses.find((a) => a.name === "chat")?.address ?? null,
    pid: Deno.pid,
    settings: describeConfig(config),
  });

  const removeSignalHandlers = handleSignals(reactor, config.shutdownGraceMs);
  const summary = await reactor.run();
  removeSignalHandlers();
  await adapter.close(); // after every user left: their nicks are released, then the link closes
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
    connections: plural(totals.accepted, "connection"),
  });
  await shutdownLogging();
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
