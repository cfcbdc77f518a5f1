/**
 * What every scenario is made of: the shapes (context, figures, scenario),
 * the figures and error counters several scenarios share, and helpers to run
 * a load generator against a server and to read its memory settling.
 *
 * @module
 */
import { type LoadRun, nonZero, num, type Tools } from "./loadgen.ts";
import { cpuBetween, type ProcSample, sample, sleep } from "./procstat.ts";
import type { RunningServer } from "./servers.ts";
import type { Measurement } from "./types.ts";
/**
 * New connections per second when the server's pid is unknown (external
 * targets). Otherwise echoload paces connects on the server's accepts
 * (`--server-pid`): Deno's listen backlog is 511, and connecting faster than
 * the server accepts overflows it; a dropped SYN costs 1 s, 3 s, 7 s ...
 */
export const CONNECT_RATE_UNKNOWN_PID = 5000;
/** Load-generator CPU share (% of one core) above which it counts as saturated. */
export const SATURATED_PCT = 90;

/** What every scenario run gets. */
export interface Context {
  /** Compiled load generators. */
  readonly tools: Tools;
  /** CPU for the load generator, when pinning. */
  readonly loadCpu?: number;
  /** CPU for the server, when pinning (scenarios that start their own servers pin them here). */
  readonly serverCpu?: number;
  /** Measurement window in seconds. */
  readonly durationS: number;
  /** Smoke-test mode. */
  readonly quick: boolean;
  /** Idle connections to open (10,000 unless the open-file limit is lower). */
  readonly idleConns: number;
  /** The open-file hard limit: scenarios with many connections size themselves to it. */
  readonly fileLimit: number;
}

/** How a figure is shown and compared. */
export interface MetricDef {
  /** Key in {@link Measurement.metrics}. */
  readonly key: string;
  /** Row label for people. */
  readonly label: string;
  /** Which direction is good; `none` for plain information. */
  readonly better: "higher" | "lower" | "none";
  /** Decimals shown. */
  readonly digits: number;
  /** Show echochat's ratio to the baselines for this figure. */
  readonly ratio?: boolean;
}

/** What every scenario has. */
interface ScenarioBase {
  /** Id for `--only` and the JSON. */
  readonly id: string;
  /** Heading for people. */
  readonly title: string;
  /** Figures in report order. */
  readonly metrics: readonly MetricDef[];
  /** Printed under the table and written to the JSON: what the set-up can and cannot show. */
  readonly notes?: readonly string[];
}

/** A scenario measured once against each server under test: one column per server. */
export interface ServerScenario extends ScenarioBase {
  /** Runs against echochat only (chat port or echochat flags). */
  readonly echochatOnly: boolean;
  /** Runs only against these server ids (all when absent), e.g. to keep a long scenario short. */
  readonly servers?: readonly string[];
  /** Needs the server's pid (so not for external targets). */
  readonly needsPid: boolean;
  /** Extra echochat flags for this scenario. */
  readonly echochatFlags?: readonly string[];
  /** Absent: this is not a {@link VariantScenario}. */
  readonly variants?: undefined;
  /** Measures `server`, filling `m`; throws on failure. */
  readonly run: (ctx: Context, server: RunningServer, m: Measurement) => Promise<void>;
}

/** One column of a {@link VariantScenario}: a set-up of echochat the scenario starts itself. */
export interface Variant {
  /** Id in the JSON (a measurement's `server`). */
  readonly id: string;
  /** Column heading for people. */
  readonly label: string;
  /**
   * The reference this column is divided by, for every figure marked
   * `ratio`: the id of an earlier variant and the ratio column's heading.
   */
  readonly compareWith?: { readonly variant: string; readonly label: string };
}

/**
 * A scenario that starts its own servers (several echochat processes, a
 * Redis) for each of its variants: one column per variant, each compared
 * with a reference variant measured in the same run.
 */
export interface VariantScenario extends ScenarioBase {
  /** The columns, in run order. */
  readonly variants: readonly Variant[];
  /**
   * Measures `variant`, filling `m`: starts what it needs and stops all of it
   * before it returns or throws. May set `m.status` to `skipped` (with
   * `m.error` saying why) when the machine cannot run the variant.
   */
  readonly runVariant: (ctx: Context, variant: Variant, m: Measurement) => Promise<void>;
}

/** A benchmark scenario. */
export type Scenario = ServerScenario | VariantScenario;

/** The load generator's CPU in the window: above 90 % its figures are a lower bound. */
export const LOADGEN_CPU: MetricDef = {
  key: "loadgen_cpu_pct",
  label: "load generator CPU %",
  better: "none",
  digits: 0,
};
/** The server's CPU in the window, to tell a saturated server from an idle one. */
export const SERVER_CPU: MetricDef = {
  key: "server_cpu_pct",
  label: "server CPU %",
  better: "none",
  digits: 0,
};
/** CPU the rest of the machine used in the window: high means the figures are noise. */
export const OTHER_CPU: MetricDef = {
  key: "other_cpu_pct",
  label: "other processes CPU %",
  better: "none",
  digits: 0,
};

/** Counters of an echoload run that must all be zero. */
export const ECHO_ERROR_KEYS = [
  "errors",
  "connect_failed",
  "connect_timeout",
  "io_errors",
  "early_eof",
  "mismatches",
  "extra_bytes",
  "lost_bytes",
  "eof_missing",
  "warm_failed",
  "unfinished",
  "unexpected_bytes",
] as const;

/** Counters of a chatload run that must all be zero. */
export const CHAT_ERROR_KEYS = [
  "lost",
  "reordered",
  "corrupt",
  "malformed",
  "foreign",
  "dups",
  "gaps",
  "io_errors",
  "closed_by_server",
  "connect_failed",
  "connect_timeout",
  "settle_timed_out",
] as const;

/** Fills the load generator's CPU share and flags saturation. */
export function loadgenCpu(m: Measurement, result: Record<string, string>): void {
  const pct = num(result, "client_cpu_pct");
  if (!Number.isFinite(pct)) return;
  m.metrics.loadgen_cpu_pct = pct;
  if (pct > SATURATED_PCT) {
    m.loadgenSaturated = true;
    m.warnings.push(
      `load generator saturated (${pct.toFixed(0)} % of a core): figures are a lower bound`,
    );
  }
}

/** Throws when the run counted errors or did not connect everything. */
export function checkErrors(
  run: LoadRun,
  keys: readonly string[],
  expectConns: number,
  connectedKey = "connected",
): void {
  const bad = nonZero(run.result, keys);
  const connected = num(run.result, connectedKey);
  if (Number.isFinite(connected) && connected !== expectConns) {
    bad.unshift(`${connectedKey}=${connected} of ${expectConns}`);
  }
  if (bad.length > 0) throw new Error(`load generator counted errors: ${bad.join(" ")}`);
}

/** Other processes using more than this (% of a core) in the window make the figures suspect. */
export const BUSY_MACHINE_PCT = 15;

/**
 * CPU of several processes in the window (sampled at READY and `durationS`
 * later, in % of one core, in the order of `pids`), and the CPU everything
 * else on the machine used meanwhile.
 */
export function cpuProbe(pids: readonly number[], durationS: number) {
  let pcts: number[] = [];
  let busyPct = Number.NaN;
  const onReady = async () => {
    if (pids.length === 0) return;
    const a = await Promise.all(pids.map((pid) => sample(pid)));
    const t0 = performance.now();
    await sleep(durationS * 1000 - 30);
    const b = await Promise.all(pids.map((pid) => sample(pid)));
    const secs = (performance.now() - t0) / 1000;
    pcts = a.map((before, i) => cpuBetween(before, b[i] as ProcSample) / secs * 100);
    busyPct = ((b[0] as ProcSample).busyAllS - (a[0] as ProcSample).busyAllS) / secs * 100;
  };
  /**
   * Fills `other_cpu_pct` of `m` (the machine's busy time minus these
   * processes and the load generator) and warns when the machine was busy.
   */
  const fillOther = (m: Measurement, loadgenPct: number) => {
    if (pcts.length === 0 || !Number.isFinite(busyPct) || !Number.isFinite(loadgenPct)) return;
    const other = Math.max(0, busyPct - pcts.reduce((sum, p) => sum + p, 0) - loadgenPct);
    m.metrics.other_cpu_pct = other;
    if (other > BUSY_MACHINE_PCT) {
      m.warnings.push(
        `machine busy: other processes used ${other.toFixed(0)} % of a core in the window; ` +
          "these figures are unreliable",
      );
    }
  };
  return { onReady, pcts: (): readonly number[] => pcts, fillOther };
}

/**
 * Server CPU in the window (sampled at READY and `durationS` later), and
 * the CPU everything else on the machine used meanwhile.
 */
export function serverCpuProbe(server: RunningServer, durationS: number) {
  const probe = cpuProbe(server.pid === undefined ? [] : [server.pid], durationS);
  /** Fills server_cpu_pct and other_cpu_pct of `m`, warns when the machine was busy. */
  const fill = (m: Measurement, loadgenPct: number) => {
    const pct = probe.pcts()[0];
    if (pct === undefined || !Number.isFinite(pct)) return;
    m.metrics.server_cpu_pct = pct;
    probe.fillOther(m, loadgenPct);
  };
  return { onReady: probe.onReady, fill };
}

/**
 * echoload's arguments for `mode` against the server's echo port, paced on
 * the server's accepts when its pid is known (else on a fixed connect rate).
 */
export function echoArgs(
  server: RunningServer,
  mode: string,
  conns: number,
  size: number,
  s: number,
) {
  return [
    "--host",
    server.host,
    "--port",
    String(server.echoPort),
    "--mode",
    mode,
    "--conns",
    String(conns),
    "--size",
    String(size),
    "--duration",
    String(s),
    ...(server.pid !== undefined
      ? ["--server-pid", String(server.pid)]
      : conns > 500
      ? ["--connect-rate", String(CONNECT_RATE_UNKNOWN_PID)]
      : []),
  ];
}

/** runLoad options: the scenario's timeout, the load CPU when pinning, the READY hook. */
export function loadOptions(
  ctx: Context,
  timeoutMs: number,
  onReady?: (line: string, endWindow: () => void) => Promise<void>,
) {
  return {
    timeoutMs,
    ...(ctx.loadCpu === undefined ? {} : { cpu: ctx.loadCpu }),
    ...(onReady === undefined ? {} : { onReady }),
  };
}
/**
 * Waits until the server holds `expected` more descriptors than `base`
 * (every connection accepted), at most `timeoutMs`. Returns the count seen.
 */
export async function waitForFds(
  pid: number,
  base: number,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const n = (await sample(pid)).fds - base;
    if (n >= expected || performance.now() > deadline) return n;
    await sleep(50);
  }
}

/** Waits until RSS changes by less than 0.5 % over 250 ms (at most 3 s); returns it. */
export async function settledRss(pid: number): Promise<number> {
  let last = (await sample(pid)).rssBytes;
  for (let i = 0; i < 12; i++) {
    await sleep(250);
    const now = (await sample(pid)).rssBytes;
    if (Math.abs(now - last) <= last * 0.005) return now;
    last = now;
  }
  return last;
}

/** What a chatload run is asked to do. */
export interface ChatLoad {
  /** Where the senders (and half the receivers, with `port2`) connect. */
  readonly host: string;
  /** Chat port of the senders' server. */
  readonly port: number;
  /** Chat port of a second server of the same chat: every other receiver connects there. */
  readonly port2?: number;
  /** Clients in the room. */
  readonly conns: number;
  /** How many of them send. */
  readonly senders: number;
  /** Lines per second per sender. */
  readonly rate: number;
  /** Measurement window, s. */
  readonly durationS: number;
  /** Settle until nothing arrived for this long (banner, join notices). */
  readonly quietMs: number;
  /** chatload reads this process's CPU in the window (`server_cpu_pct`). */
  readonly serverPid?: number;
}

/** chatload's arguments: 64-byte lines, every client waits for its banner. */
export function chatArgs(load: ChatLoad): string[] {
  return [
    "--host",
    load.host,
    "--port",
    String(load.port),
    ...(load.port2 === undefined ? [] : ["--port2", String(load.port2)]),
    "--conns",
    String(load.conns),
    "--senders",
    String(load.senders),
    "--rate",
    String(load.rate),
    "--size",
    "64",
    "--duration",
    String(load.durationS),
    "--need-banner",
    "--quiet-ms",
    String(load.quietMs),
    ...(load.serverPid === undefined ? [] : ["--server-pid", String(load.serverPid)]),
  ];
}

/** The chat figures every chat scenario shows, from chatload's RESULT. */
export function chatFigures(m: Measurement, r: Record<string, string>): void {
  Object.assign(m.metrics, {
    dps: num(r, "dps"),
    p50_ms: num(r, "p50_us") / 1000,
    p99_ms: num(r, "p99_us") / 1000,
    max_ms: num(r, "max_us") / 1000,
    lost: num(r, "lost"),
    reordered: num(r, "reordered"),
    corrupt: num(r, "corrupt"),
  });
}

/** Counters of a chatload run worth a note when not zero (they do not make the run an error). */
export function chatWarnings(m: Measurement, r: Record<string, string>): void {
  for (const key of ["self", "other_lines", "send_dropped"]) {
    const v = num(r, key);
    if (Number.isFinite(v) && v !== 0) m.warnings.push(`${key}=${v}`);
  }
}
