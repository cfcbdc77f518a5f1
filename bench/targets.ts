/**
 * Pass/fail against echochat's performance targets. Every target is a ratio
 * to a baseline measured in the same run (or an absolute limit that does not
 * depend on the machine), so a slow or busy machine moves both sides.
 *
 * @module
 */
import { REAP_HEARTBEAT_S, REAP_SLACK_S, REAP_TIMEOUT_S } from "./scenarios.ts";
import { C_EPOLL, DENO_LOOP, ECHOCHAT, FAIR_REACTOR, NODE_NET } from "./servers.ts";
import { find, okValue } from "./report.ts";
import type { Measurement, TargetVerdict } from "./types.ts";

/** The throughput rows, each held to >= 0.9x the fair reactor. */
export const THROUGHPUT_ROWS: readonly { scenario: string; metric: string; unit: string }[] = [
  { scenario: "pingpong-50", metric: "rps", unit: "rps" },
  { scenario: "pingpong-1000", metric: "rps", unit: "rps" },
  { scenario: "stream", metric: "mbps", unit: "MB/s" },
  { scenario: "churn", metric: "cps", unit: "conns/s" },
];

const LABELS: Readonly<Record<string, string>> = {
  [DENO_LOOP]: "plain Deno loop",
  [FAIR_REACTOR]: "fair reactor",
  [NODE_NET]: "Node net",
  [C_EPOLL]: "C epoll",
};

function verdict(
  id: string,
  requirement: string,
  pass: boolean | undefined,
  detail: string,
): TargetVerdict {
  return { id, requirement, status: pass === undefined ? "n/a" : pass ? "pass" : "fail", detail };
}

const f = (v: number | undefined, digits = 0) =>
  v === undefined ? "missing" : v.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });

/**
 * echochat's `metric` in `scenario` against `factor` times the baseline's:
 * `>=` for throughput, `<=` for latency and memory.
 */
function vsBaseline(
  results: readonly Measurement[],
  scenario: string,
  metric: string,
  base: string,
  op: ">=" | "<=",
  factor: number,
  what: string,
  unit: string,
  digits = 0,
): TargetVerdict {
  const e = okValue(results, scenario, ECHOCHAT, metric);
  const b = okValue(results, scenario, base, metric);
  const known = e !== undefined && b !== undefined;
  const pass = !known ? undefined : op === ">=" ? e >= factor * b : e <= factor * b;
  return verdict(
    `${scenario}-${metric}-vs-${base}`,
    `${what}: echochat ${op} ${factor.toFixed(2)}x ${LABELS[base] ?? base}`,
    pass,
    `${f(e, digits)} vs ${f(b, digits)} ${unit}${
      known && b > 0 ? ` (${(e / b).toFixed(2)}x)` : ""
    }`,
  );
}

/** A chat scenario loses no line (a run that counted other errors fails too). */
function noLostLines(
  results: readonly Measurement[],
  scenario: string,
  server = ECHOCHAT,
  what = `${scenario}: 0 lost lines`,
): TargetVerdict {
  const m = find(results, scenario, server);
  const lost = m?.metrics.lost;
  const known = m !== undefined && lost !== undefined && Number.isFinite(lost);
  return verdict(
    `${scenario}-no-lost-lines`,
    what,
    known ? m.status === "ok" && lost === 0 : undefined,
    known ? `${f(lost)} lost${m.status === "ok" ? "" : " (the run counted errors)"}` : "missing",
  );
}

/** Checks every target that the measured results allow. */
export function evaluateTargets(results: readonly Measurement[]): TargetVerdict[] {
  const r = results;
  const out: TargetVerdict[] = [
    vsBaseline(r, "pingpong-50", "rps", DENO_LOOP, ">=", 1, "ping-pong 50 conns", "rps"),
    vsBaseline(r, "pingpong-50", "rps", NODE_NET, ">=", 1, "ping-pong 50 conns", "rps"),
  ];

  const starved = okValue(r, "pingpong-1000", ECHOCHAT, "starved_1s");
  const min = okValue(r, "pingpong-1000", ECHOCHAT, "conn_rtts_min");
  out.push(
    verdict(
      "pingpong-1000-no-starvation",
      "ping-pong 1000 conns: no connection without a round trip in any whole second",
      starved === undefined ? undefined : starved === 0,
      `${f(starved)} starved, fewest round trips on one conn ${f(min)}`,
    ),
    vsBaseline(r, "pingpong-1000", "p99_ms", C_EPOLL, "<=", 2, "ping-pong 1000 conns p99", "ms", 2),
    vsBaseline(r, "pingpong-1000", "rps", NODE_NET, ">=", 1, "ping-pong 1000 conns", "rps"),
    vsBaseline(r, "stream", "mbps", DENO_LOOP, ">=", 1.2, "stream 10 conns", "MB/s"),
    vsBaseline(r, "stream", "mbps", NODE_NET, ">=", 1, "stream 10 conns", "MB/s"),
  );
  for (const row of THROUGHPUT_ROWS) {
    out.push(
      vsBaseline(r, row.scenario, row.metric, FAIR_REACTOR, ">=", 0.9, row.scenario, row.unit),
    );
  }
  out.push(
    vsBaseline(r, "churn", "cps", DENO_LOOP, ">=", 0.95, "churn", "conns/s"),
    vsBaseline(r, "idle-rss", "kib_per_conn", NODE_NET, "<=", 1.1, "idle conns KiB/conn", "KiB", 1),
  );

  const conns = okValue(r, "idle-reaping", ECHOCHAT, "conns");
  const closed = okValue(r, "idle-reaping", ECHOCHAT, "closed");
  const first = okValue(r, "idle-reaping", ECHOCHAT, "first_close_s");
  const last = okValue(r, "idle-reaping", ECHOCHAT, "last_close_s");
  const limit = REAP_TIMEOUT_S + REAP_HEARTBEAT_S;
  const timed = conns !== undefined && closed !== undefined && first !== undefined &&
      last !== undefined
    ? closed === conns && first >= REAP_TIMEOUT_S - 0.05 && last <= limit + REAP_SLACK_S
    : undefined;
  out.push(verdict(
    "idle-reaping-timing",
    `idle reaping: every close between T (${REAP_TIMEOUT_S} s) and T + H ` +
      `(${limit} s, +${REAP_SLACK_S} s slack) after its connect`,
    timed,
    `${f(closed)} of ${f(conns)} closed, ${f(first, 2)}..${f(last, 2)} s after connect`,
  ));
  const reaping = okValue(r, "idle-reaping", ECHOCHAT, "idle_cpu_pct");
  const rss = okValue(r, "idle-rss", ECHOCHAT, "idle_cpu_pct");
  const cpu = reaping ?? rss;
  const source = reaping !== undefined
    ? "idle-reaping, before the first close"
    : "idle-rss, idle conns, --idle-timeout 300";
  out.push(
    verdict(
      "idle-cpu",
      "idle connections: server CPU < 1 % of a core while idle before the timeout",
      cpu === undefined ? undefined : cpu < 1,
      `${f(cpu, 2)} % (${source})`,
    ),
    noLostLines(r, "chat-100"),
    noLostLines(r, "chat-1000"),
    // What the README promises while the link is up, as chat-100 and chat-1000 are held to.
    noLostLines(
      r,
      "redis-chat",
      "redis-2-servers",
      "redis-chat: 0 lost lines across two servers through Redis",
    ),
    ...information(r),
  );
  return out;
}

/** `of / vs` of `metric` in `scenario` as `1.23x`, or `-` when a side is missing. */
function ratioText(
  results: readonly Measurement[],
  scenario: string,
  metric: string,
  of: string,
  vs: string,
): string {
  const a = okValue(results, scenario, of, metric);
  const b = okValue(results, scenario, vs, metric);
  return a === undefined || b === undefined || !(b > 0) ? "-" : `${(a / b).toFixed(2)}x`;
}

/**
 * The scenarios without a target, as information: the issue sets none for
 * them, and on a 2-core machine their ratios say more about the machine
 * than about echochat (see their notes).
 */
function information(r: readonly Measurement[]): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  if (r.some((m) => m.scenario === "workers-echo")) {
    const pair = (of: string, vs: string) =>
      `ping-pong ${ratioText(r, "workers-echo", "pp_rps", of, vs)} rps, ` +
      `stream ${ratioText(r, "workers-echo", "st_mbps", of, vs)} MB/s`;
    out.push({
      id: "workers-echo-info",
      requirement: "workers-echo: --workers 2 / 1 worker (no target)",
      status: "info",
      detail: `CPU 0: ${pair("workers-2-cpu0", "workers-1-cpu0")}; CPUs 0-1: ${
        pair("workers-2-cpus01", "workers-1-cpus01")
      }`,
    });
  }
  if (r.some((m) => m.scenario === "redis-chat")) {
    const two = "redis-2-servers";
    const one = "one-server";
    const p99 = okValue(r, "redis-chat", two, "b_p99_ms");
    out.push({
      id: "redis-chat-info",
      requirement: "redis-chat: 2 servers + Redis / 1 server (no target)",
      status: "info",
      detail: `lines/s ${ratioText(r, "redis-chat", "dps", two, one)}, p99 ${
        ratioText(r, "redis-chat", "p99_ms", two, one)
      } (via Redis ${f(p99, 2)} ms), server-side CPU ${
        ratioText(r, "redis-chat", "server_all_cpu_pct", two, one)
      }`,
    });
  }
  return out;
}
