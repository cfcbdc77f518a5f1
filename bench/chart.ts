/**
 * An SVG bar chart of the headline figures: one panel per figure, one bar
 * per server, echochat highlighted.
 *
 * @module
 */
import { fmt } from "./report.ts";
import { ECHOCHAT } from "./servers.ts";
import type { Measurement, ServerSpec } from "./types.ts";

/** One chart panel: a figure of a scenario. */
export interface Panel {
  /** Scenario id. */
  readonly scenario: string;
  /** Metric key. */
  readonly metric: string;
  /** Panel title. */
  readonly title: string;
  /** Decimals of the value labels. */
  readonly digits: number;
}

/** The panels drawn by default. */
export const PANELS: readonly Panel[] = [
  {
    scenario: "pingpong-50",
    metric: "rps",
    title: "ping-pong 50 conns: round trips/s (higher is better)",
    digits: 0,
  },
  {
    scenario: "pingpong-1000",
    metric: "rps",
    title: "ping-pong 1,000 conns: round trips/s (higher is better)",
    digits: 0,
  },
  {
    scenario: "pingpong-1000",
    metric: "p99_ms",
    title: "ping-pong 1,000 conns: p99 latency ms (lower is better)",
    digits: 1,
  },
  {
    scenario: "stream",
    metric: "mbps",
    title: "stream 10 conns, 16 KiB writes: MB/s (higher is better)",
    digits: 0,
  },
  {
    scenario: "idle-rss",
    metric: "kib_per_conn",
    title: "idle connections: KiB per connection (lower is better)",
    digits: 1,
  },
  { scenario: "churn", metric: "cps", title: "churn: connections/s (higher is better)", digits: 0 },
  {
    scenario: "stuck-peers",
    metric: "max_stall_ms",
    title: "1,000 stuck peers: normal client's longest stall ms (lower is better)",
    digits: 0,
  },
];

const W = 980;
const COL_W = 470;
const GAP = 20;
const BAR_H = 18;
const LABEL_W = 110;
const VALUE_W = 80;
const TOP = 56;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** Renders the chart; panels without any figure are left out. */
export function renderSvg(
  servers: readonly ServerSpec[],
  results: readonly Measurement[],
  subtitle: string,
  panels: readonly Panel[] = PANELS,
): string {
  const drawn = panels.filter((p) => results.some((r) => r.scenario === p.scenario));
  const panelH = 30 + servers.length * (BAR_H + 6) + 14;
  const rows = Math.ceil(drawn.length / 2);
  const height = TOP + rows * panelH + 10;
  const parts: string[] = [
    // the file is generated; keep `deno fmt` off it so `deno fmt --check` stays clean
    "<!-- deno-fmt-ignore-file -->",
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${GAP}" y="24" font-size="17" font-weight="bold">echochat vs baselines (deno task bench)</text>`,
    `<text x="${GAP}" y="43" fill="#555">${esc(subtitle)}</text>`,
  ];
  drawn.forEach((panel, i) => {
    const x0 = GAP + (i % 2) * (COL_W + GAP);
    const y0 = TOP + Math.floor(i / 2) * panelH;
    parts.push(`<text x="${x0}" y="${y0 + 16}" font-weight="bold">${esc(panel.title)}</text>`);
    const values = servers.map((s) => {
      const m = results.find((r) => r.scenario === panel.scenario && r.server === s.id);
      const v = m?.status === "ok" ? m.metrics[panel.metric] : undefined;
      return { s, m, v: v !== undefined && Number.isFinite(v) ? v : undefined };
    });
    const max = Math.max(0, ...values.map((x) => x.v ?? 0));
    const barMax = COL_W - LABEL_W - VALUE_W;
    values.forEach(({ s, m, v }, j) => {
      const y = y0 + 28 + j * (BAR_H + 6);
      parts.push(
        `<text x="${x0 + LABEL_W - 8}" y="${y + BAR_H - 5}" text-anchor="end">${
          esc(s.label)
        }</text>`,
      );
      const text = v !== undefined
        ? fmt(v, panel.digits)
        : m === undefined
        ? "not run"
        : m.status === "error"
        ? "error"
        : "n/a";
      const w = v !== undefined && max > 0 ? Math.max(1, (v / max) * barMax) : 0;
      const color = s.id === ECHOCHAT ? "#d9480f" : s.kind === "c" ? "#868e96" : "#4c6ef5";
      if (w > 0) {
        parts.push(
          `<rect x="${x0 + LABEL_W}" y="${y}" width="${
            w.toFixed(1)
          }" height="${BAR_H}" fill="${color}"/>`,
        );
      }
      parts.push(
        `<text x="${(x0 + LABEL_W + w + 6).toFixed(1)}" y="${y + BAR_H - 5}" fill="#222">${
          esc(text)
        }</text>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
