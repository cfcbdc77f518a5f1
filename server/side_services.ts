import { type Clock, formatAddr } from "../reactor/mod.ts";
import type { ChatStats } from "./chat/chat_node.ts";
import type { Config } from "./config.ts";
import { HttpService } from "./http/http_service.ts";
import { BindError, describeBindError } from "./listeners.ts";
import { EventLoopLag } from "./metrics/event_loop_lag.ts";
import type { FigureSources } from "./metrics/figure_sources.ts";
import { UdpEcho } from "./udp/udp_echo.ts";
import { DEFAULT_UDP_OPTIONS } from "./udp/udp_options.ts";

/** What {@link startSideServices} needs from the composition root. */
export interface SideServicesOptions {
  config: Config;
  /** The reactor, or a supervisor of several (`--workers`). */
  reactor: FigureSources["reactor"];
  /** The chat's figures, or `null` when the chat listener is off. */
  chat: (() => ChatStats) | null;
  /** Refusal reasons, counted by the reactor's observer. */
  refusals: FigureSources["refusals"];
  /** The echo listener's bound TCP port, or `null` when it is off. */
  echoPort: number | null;
  /** Clock of the UDP rate limits. */
  clock: Clock;
}

/** The services running beside the reactor. */
export interface SideServices {
  /** What they listen on, for the startup line (`udp echo on …`, `http on …`). */
  addresses: { name: string; address: string }[];
  /** The UDP echo's address, or `null` when off. */
  udpAddress: string | null;
  /** The HTTP side port's address, or `null` when off. */
  httpAddress: string | null;
  /** Stops them; call once the reactor has stopped. */
  close(): Promise<void>;
}

/**
 * Starts what runs beside the TCP reactor: UDP echo on the echo port
 * (unless `--udp off` or the echo port is off) and the HTTP side port
 * (when `--http-port` is given). Throws {@link BindError} with a one-line
 * message when a port cannot be bound; whatever it started is closed then.
 */
export function startSideServices(options: SideServicesOptions): SideServices {
  const { config, reactor } = options;
  const host = config.host;
  let udp: UdpEcho | null = null;
  if (config.udp === "on" && options.echoPort !== null) {
    try {
      udp = UdpEcho.listen({
        hostname: host,
        port: options.echoPort,
        ratePerSecond: config.udpRate,
        burst: config.udpBurst,
        maxDatagramBytes: DEFAULT_UDP_OPTIONS.maxDatagramBytes,
        maxSources: DEFAULT_UDP_OPTIONS.maxSources,
        now: options.clock,
      });
    } catch (error) {
      throw new BindError(
        `UDP echo: ${describeBindError(error, "echo", host, options.echoPort)} (or --udp off)`,
      );
    }
  }
  let http: HttpService | null = null;
  if (config.httpPort !== null) {
    const echo = udp;
    try {
      http = HttpService.start({
        hostname: host,
        port: config.httpPort,
        sources: {
          reactor,
          chat: options.chat,
          udp: echo === null ? null : () => echo.stats(),
          refusals: options.refusals,
          lag: new EventLoopLag(),
        },
      });
    } catch (error) {
      udp?.close();
      throw new BindError(describeBindError(error, "http", host, config.httpPort));
    }
  }
  const udpAddress = udp === null ? null : formatAddr(udp.addr);
  const httpAddress = http === null ? null : formatAddr(http.addr);
  return {
    addresses: [
      ...(udpAddress === null ? [] : [{ name: "udp echo", address: udpAddress }]),
      ...(httpAddress === null ? [] : [{ name: "http", address: httpAddress }]),
    ],
    udpAddress,
    httpAddress,
    async close() {
      await Promise.all([udp?.close(), http?.close()]);
    },
  };
}
