import { getLogger } from "@logtape/logtape";
import { createMetricsRegistry } from "../metrics/metrics_registry.ts";
import type { FigureSources } from "../metrics/figure_sources.ts";
import { trafficTotals } from "../metrics/status_document.ts";
import { SAMPLE_INTERVAL_MS, TrafficHistory } from "../metrics/traffic_history.ts";
import { route } from "./routes.ts";

const log = getLogger(["echochat", "http"]);

/** Where and what {@link HttpService.start} serves. */
export interface HttpServiceOptions {
  /** Address to bind (the server's `--host`). */
  hostname: string;
  /** Port to bind; 0 lets the OS pick. */
  port: number;
  /** The figures it reports. */
  sources: FigureSources;
}

/**
 * The HTTP side port (`--http-port`): metrics, health and the status page,
 * served by `Deno.serve`, apart from the TCP reactor (HTTP is not one of
 * the reactor's line or byte protocols, and an operator's scrape must
 * still work when the reactor is saturated). It samples the traffic once
 * a second for the status page's chart, and measures the event-loop lag
 * while it runs.
 */
export class HttpService {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #sources: FigureSources;
  readonly #sampler: ReturnType<typeof setInterval>;

  private constructor(options: HttpServiceOptions) {
    const sources = options.sources;
    this.#sources = sources;
    const history = new TrafficHistory();
    const context = { sources, registry: createMetricsRegistry(sources), history };
    this.#server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
      onError: (error) => {
        log.error("HTTP request failed: {error}", { error });
        return new Response("Internal error\n", { status: 500 });
      },
    }, (request) => route(request, context));
    this.addr = this.#server.addr;
    const sample = () => {
      const { totals, open } = trafficTotals(sources);
      history.record(Date.now(), totals, open);
    };
    sample();
    this.#sampler = setInterval(sample, SAMPLE_INTERVAL_MS);
    Deno.unrefTimer(this.#sampler);
    sources.lag.start();
  }

  /**
   * Binds and starts serving. Throws Deno's bind error (`AddrInUse`,
   * `PermissionDenied`, ...) when it cannot bind.
   */
  static start(options: HttpServiceOptions): HttpService {
    return new HttpService(options);
  }

  /** Stops serving: open requests finish, idle keep-alive connections close. */
  async close(): Promise<void> {
    clearInterval(this.#sampler);
    this.#sources.lag.stop();
    await this.#server.shutdown();
  }
}
