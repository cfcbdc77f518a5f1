import type { Registry } from "prom-client";
import type { FigureSources } from "../metrics/figure_sources.ts";
import { statusDocument } from "../metrics/status_document.ts";
import type { TrafficHistory } from "../metrics/traffic_history.ts";
import { STATUS_PAGE } from "./status_page.ts";
import { STATUS_SCRIPT } from "./status_script.ts";
import { STATUS_STYLE } from "./status_style.ts";

/** What the routes read. */
export interface RouteContext {
  sources: FigureSources;
  registry: Registry;
  history: TrafficHistory;
}

/**
 * Same-origin only: the page loads its own script, style and JSON, and
 * nothing else; it cannot be framed.
 */
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

const text = (body: string, status = 200, type = "text/plain; charset=utf-8", extra = {}) =>
  new Response(body, {
    status,
    headers: {
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...extra,
    },
  });

/**
 * The HTTP side port's routes: `/metrics` (Prometheus text format),
 * `/healthz` (200 while serving, 503 once a graceful stop has begun),
 * `/stats.json`, and the status page (`/`, `/status.css`, `/status.js`).
 * Only GET and HEAD; anything else gets a one-line answer, never an error.
 */
export async function route(request: Request, context: RouteContext): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return text("Only GET and HEAD are served here\n", 405, undefined, { allow: "GET, HEAD" });
  }
  const path = new URL(request.url).pathname;
  switch (path) {
    case "/metrics":
      return text(await context.registry.metrics(), 200, context.registry.contentType);
    case "/healthz":
      return context.sources.reactor.stopping ? text("stopping\n", 503) : text("ok\n", 200);
    case "/stats.json":
      return text(
        JSON.stringify(statusDocument(context.sources, context.history)),
        200,
        "application/json",
      );
    case "/":
      return text(STATUS_PAGE, 200, "text/html; charset=utf-8", {
        "content-security-policy": PAGE_POLICY,
      });
    case "/status.css":
      return text(STATUS_STYLE, 200, "text/css; charset=utf-8");
    case "/status.js":
      return text(STATUS_SCRIPT, 200, "text/javascript; charset=utf-8");
    default:
      return text(
        "Not found: try / (status page), /metrics, /healthz or /stats.json\n",
        404,
      );
  }
}
