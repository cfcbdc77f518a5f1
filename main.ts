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
import { Reactor } from "./reactor/mod.ts";
import { type Config, ConfigError, helpText, parseCommandLine } from "./server/config.ts";
import { createChatHandler } from "./server/chat/chat_handler.ts";
import { createEchoHandler } from "./server/echo_handler.ts";
import { setupLogging, shutdownLogging } from "./server/logging.ts";
import { BindError, bindListeners } from "./server/listeners.ts";
import { NAME, VERSION } from "./server/version.ts";

const log = getLogger(["echochat", "main"]);

/**
 * Chat output is driven by other people's messages, not by the reader's own
 * input, so pausing its reads does not slow it down: past 64 KiB queued it
 * is behind, and at 256 KiB it is disconnected as a slow consumer.
 */
const CHAT_BUFFERS = { highWatermark: 64 * 1024, maxQueuedBytes: 256 * 1024 };

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
  const reactor = new Reactor({
    maxConnections: config.maxConnections,
    idleTimeoutMs: config.idleTimeoutMs,
    idleGraceMs: config.idleGraceMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    transport: config.transport,
  });

  let addresses;
  try {
    addresses = await bindListeners(reactor, config, {
      echo: { handler: createEchoHandler({ prefix: config.echoPrefix }) },
      chat: {
        handler: createChatHandler({
          serverName: `${NAME} ${VERSION}`,
          maxLineBytes: config.maxLineBytes,
          rateLimit: config.rateLimit,
          rateBurst: config.rateBurst,
          idleGraceSeconds: config.idleGraceMs / 1000,
        }),
        buffers: CHAT_BUFFERS,
      },
    });
  } catch (error) {
    if (!(error instanceof BindError)) throw error;
    await reactor.abort();
    console.error(`${NAME}: ${error.message}`);
    await shutdownLogging();
    return 1;
  }

  log.info("{name} {version} listening: {listening}", {
    name: NAME,
    version: VERSION,
    listening: addresses.map((a) => `${a.name} on ${a.address}`).join(", "),
    echoAddress: addresses.find((a) => a.name === "echo")?.address ?? null,
    chatAddress: addresses.find((a) => a.name === "chat")?.address ?? null,
    idleTimeoutSeconds: config.idleTimeoutMs / 1000,
    heartbeatIntervalSeconds: config.heartbeatIntervalMs / 1000,
    maxConnections: config.maxConnections,
    pid: Deno.pid,
  });

  const removeSignalHandlers = handleSignals(reactor, config.shutdownGraceMs);
  await reactor.run();
  removeSignalHandlers();
  const stats = reactor.stats;
  log.info("Stopped after {accepted} connections ({refused} refused)", {
    accepted: stats.accepted,
    refused: stats.refused,
  });
  await shutdownLogging();
  return 0;
}

/**
 * SIGINT and SIGTERM stop gracefully within `graceMs`; a second signal
 * aborts at once. Returns a function that removes the handlers.
 */
function handleSignals(reactor: Reactor, graceMs: number): () => void {
  let received = 0;
  const onSignal = (signal: Deno.Signal) => () => {
    received++;
    if (received === 1) {
      log.info("{signal}: stopping, waiting up to {graceSeconds} s for {open} connections", {
        signal,
        graceSeconds: graceMs / 1000,
        open: reactor.size,
      });
      reactor.stop({ graceMs });
    } else {
      log.warn("{signal} again: closing {open} connections now", { signal, open: reactor.size });
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

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
