import { getLogger } from "@logtape/logtape";
import type { StopSummary } from "../reactor/mod.ts";
import { type Config, describeConfig } from "./config.ts";
import type { BoundAddress } from "./listeners.ts";
import { plural } from "./plural.ts";
import type { SideServices } from "./side_services.ts";
import { NAME, VERSION } from "./version.ts";

const log = getLogger(["echochat", "main"]);

/**
 * The startup line: every address (each also as a field of its own, which
 * is how scripts and tests find the ports the OS picked), the version and
 * every setting.
 */
export function logListening(
  config: Config,
  addresses: readonly BoundAddress[],
  side: SideServices,
): void {
  const address = (name: string) => addresses.find((a) => a.name === name)?.address ?? null;
  const workers = config.workers > 1 ? ` with ${plural(config.workers, "worker")}` : "";
  log.info(`{name} {version} listening${workers}: {listening}`, {
    name: NAME,
    version: VERSION,
    listening: [...addresses, ...side.addresses].map((a) => `${a.name} on ${a.address}`)
      .join(", "),
    echoAddress: address("echo"),
    chatAddress: address("chat"),
    udpAddress: side.udpAddress,
    httpAddress: side.httpAddress,
    echoTlsAddress: address("echo-tls"),
    chatTlsAddress: address("chat-tls"),
    pid: Deno.pid,
    settings: describeConfig(config),
  });
}

/**
 * The one line when a port cannot be bound: a log record under
 * `--log-format json` (so a collector sees it), plain text otherwise.
 */
export function logBindFailure(config: Config, message: string): void {
  if (config.logFormat === "json") log.error("{error}", { error: message });
  else console.error(`${NAME}: ${message}`);
}

/** The stop line: how many connections were served and refused, and how the stop went. */
export function logStopped(
  totals: { accepted: number; refused: number },
  summary: StopSummary,
  refusedByAccess: Record<string, number>,
): void {
  log.info("Stopped after {connections} ({refused} refused); {cutOff} cut off at the grace", {
    ...totals,
    ...summary,
    refusedByAccess,
    connections: plural(totals.accepted, "connection"),
  });
}
