/**
 * The human table on stdout and the JSON file with every figure.
 *
 * @module
 */
import type { MetricDef, Scenario, Variant } from "./scenario_kit.ts";
import { C_EPOLL, DENO_LOOP, ECHOCHAT, FAIR_REACTOR, NODE_NET } from "./servers.ts";
import type { Measurement, ServerSpec, TargetVerdict } from "./types.ts";

/** echochat's figure divided by a baseline's (or a variant's by its reference's), for one metric. */
export interface Ratio {
  /** Scenario id. */
  readonly scenario: string;
  /** Metric key. */
  readonly metric: string;
  /** The server (or variant) id divided: `echochat` unless the scenario has variants. */
  readonly of: string;
  /** Baseline server id (or the reference variant's id). */
  readonly vs: string;
  /** of / vs. */
  readonly value: number;
}

/** The baselines echochat is compared with, in column order. */
export const RATIO_BASELINES: readonly { id: string; label: string }[] = [
  { id: DENO_LOOP, label: "vs Deno" },
  { id: FAIR_REACTOR, label: "vs Fair" },
  { id: NODE_NET, label: "vs Node" },
  { id: C_EPOLL, label: "vs C" },
];

/** Finds the measurement of `server` in `scenario`. */
export function find(
  results: readonly Measurement[],
  scenario: string,
  server: string,
): Measurement | undefined {
  return results.find((r) => r.scenario === scenario && r.server === server);
}

/** The ok value of `metric` of `server` in `scenario`, if it is a number. */
export function okValue(
  results: readonly Measurement[],
  scenario: string,
  server: string,
  metric: string,
): number | undefined {
  const m = find(results, scenario, server);
  const v = m?.status === "ok" ? m.metrics[metric] : undefined;
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/**
 * Ratios for every metric marked `ratio` (ok results only): echochat vs
 * every baseline, and in a scenario with variants each variant vs its
 * reference.
 */
export function computeRatios(
  scenarios: readonly Scenario[],
  results: readonly Measurement[],
): Ratio[] {
  const out: Ratio[] = [];
  for (const scenario of scenarios) {
    if (scenario.variants !== undefined) {
      for (const variant of scenario.variants) {
        const ref = variant.compareWith?.variant;
        if (ref === undefined) continue;
        for (const metric of scenario.metrics) {
          if (metric.ratio !== true) continue;
          const v = okValue(results, scenario.id, variant.id, metric.key);
          const r = okValue(results, scenario.id, ref, metric.key);
          if (v === undefined || r === undefined || !(r > 0)) continue;
          out.push({
            scenario: scenario.id,
            metric: metric.key,
            of: variant.id,
            vs: ref,
            value: v / r,
          });
        }
      }
      continue;
    }
    const e = find(results, scenario.id, ECHOCHAT);
    if (e === undefined || e.status !== "ok") continue;
    for (const metric of scenario.metrics) {
      if (metric.ratio !== true) continue;
      const ev = e.metrics[metric.key];
      for (const base of RATIO_BASELINES) {
        const b = find(results, scenario.id, base.id);
        const bv = b?.status === "ok" ? b.metrics[metric.key] : undefined;
        if (ev === undefined || bv === undefined || !(bv > 0)) continue;
        out.push({
          scenario: scenario.id,
          metric: metric.key,
          of: ECHOCHAT,
          vs: base.id,
          value: ev / bv,
        });
      }
    }
  }
  return out;
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(v: number | undefined, digits: number): string {
  if (v === undefined || !Number.isFinite(v)) return "-";
  return v.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function cell(m: Measurement | undefined, metric: MetricDef, first: boolean): string {
  if (m === undefined) return "";
  if (m.status === "skipped") return first ? "n/a" : "";
  if (m.status === "error") return first ? "ERROR" : "";
  const v = fmt(m.metrics[metric.key], metric.digits);
  return metric.key === "loadgen_cpu_pct" && m.loadgenSaturated ? `${v} SAT` : v;
}

function table(rows: string[][], rightFrom: number): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => widths[i] = Math.max(widths[i] ?? 0, c.length));
  }
  return rows.map((row, r) =>
    row.map((c, i) => {
      const w = widths[i] ?? 0;
      return i >= rightFrom ? c.padStart(w) : c.padEnd(w);
    }).join("  ").trimEnd() + (r === 0 ? `\n${widths.map((w) => "-".repeat(w)).join("  ")}` : "")
  ).join("\n");
}

/** The ratio columns of a scenario's table that have at least one ratio. */
function ratioColumns(
  scenario: Scenario,
  ratios: readonly Ratio[],
): { of: string; vs: string; label: string }[] {
  const candidates = scenario.variants === undefined
    ? RATIO_BASELINES.map((b) => ({ of: ECHOCHAT, vs: b.id, label: b.label }))
    : scenario.variants.flatMap((v: Variant) =>
      v.compareWith === undefined
        ? []
        : [{ of: v.id, vs: v.compareWith.variant, label: v.compareWith.label }]
    );
  return candidates.filter((c) =>
    ratios.some((r) => r.scenario === scenario.id && r.of === c.of && r.vs === c.vs)
  );
}

/** Renders the whole human report (tables, errors, ratios, targets). */
export function renderText(
  scenarios: readonly Scenario[],
  servers: readonly ServerSpec[],
  results: readonly Measurement[],
  ratios: readonly Ratio[],
  targets: readonly TargetVerdict[],
): string {
  const out: string[] = [];
  for (const scenario of scenarios) {
    const columns: readonly { id: string; label: string }[] = scenario.variants ?? servers;
    const cols = columns.filter((s) => find(results, scenario.id, s.id) !== undefined);
    if (cols.length === 0) continue;
    const ratioCols = ratioColumns(scenario, ratios);
    const header = ["", ...cols.map((s) => s.label), ...ratioCols.map((c) => c.label)];
    const rows = [header];
    scenario.metrics.forEach((metric, i) => {
      const row = [
        metric.label,
        ...cols.map((s) => cell(find(results, scenario.id, s.id), metric, i === 0)),
      ];
      for (const c of ratioCols) {
        const r = ratios.find((x) =>
          x.scenario === scenario.id && x.metric === metric.key && x.of === c.of && x.vs === c.vs
        );
        row.push(r === undefined ? "" : `${r.value.toFixed(2)}x`);
      }
      rows.push(row);
    });
    out.push(`== ${scenario.title} [${scenario.id}]`);
    out.push(table(rows, 1));
    for (const note of scenario.notes ?? []) out.push(`  note: ${note}`);
    for (const s of cols) {
      const m = find(results, scenario.id, s.id);
      if (m === undefined) continue;
      if (m.status !== "ok" && m.error !== undefined) out.push(`  ${s.label}: ${m.error}`);
      for (const w of m.warnings) out.push(`  ${s.label}: note: ${w}`);
    }
    out.push("");
  }
  if (targets.length > 0) {
    out.push("== targets");
    out.push(table(
      [
        ["", "target", "measured"],
        ...targets.map((t) => [t.status.toUpperCase(), t.requirement, t.detail]),
      ],
      99,
    ));
    out.push("");
  }
  return out.join("\n");
}

/** Everything written to the JSON file. */
export interface Report {
  /** Format version of this file. */
  readonly version: 1;
  /** ISO time the run started. */
  readonly startedAt: string;
  /** Seconds the whole run took. */
  readonly elapsedS: number;
  /** Options as given. */
  readonly options: Record<string, unknown>;
  /** Machine and tool versions, pinning. */
  readonly machine: Record<string, unknown>;
  /** Columns. */
  readonly servers: readonly ServerSpec[];
  /** Scenario ids, titles and metric definitions (and the variants and notes of those that have them). */
  readonly scenarios: readonly {
    id: string;
    title: string;
    metrics: readonly MetricDef[];
    variants?: readonly Variant[];
    notes?: readonly string[];
  }[];
  /** Every measurement, including the load generator's raw RESULT. */
  readonly results: readonly Measurement[];
  /** echochat vs baselines. */
  readonly ratios: readonly Ratio[];
  /** Pass/fail against the targets. */
  readonly targets: readonly TargetVerdict[];
  /** Servers skipped and why, and other notes. */
  readonly notes: readonly string[];
}

/** Writes `report` as `bench-<timestamp>.json` and `latest.json` in `dir`; returns the paths. */
export async function writeJson(dir: string, report: Report): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const text = JSON.stringify(report, null, 2) + "\n";
  const paths = [`${dir}/bench-${stamp}.json`, `${dir}/latest.json`];
  for (const p of paths) await Deno.writeTextFile(p, text);
  return paths;
}
