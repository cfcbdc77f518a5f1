/**
 * Scenario `workers-echo`: echochat with `--workers 2` against echochat
 * with one worker (the default), in the same run, under the two loads where
 * a second reactor could matter: ping-pong with 1,000 connections and the
 * 10-connection stream.
 *
 * A 2-core machine cannot show what two workers do on two free cores: the
 * load generator needs one. So each worker count runs under two CPU masks,
 * and each 2-worker column is compared with the 1-worker column of the same
 * mask:
 *
 * - `CPU 0`: the server on CPU 0, as in every other scenario. Both workers
 *   share that core, so this shows what the worker threads and the kernel's
 *   `SO_REUSEPORT` spread cost when there is no core to gain.
 * - `CPUs 0-1`: the server may also run on CPU 1, where the load generator
 *   is pinned, so a second worker competes with the load for that core. The
 *   1-worker reference gets the same mask (V8's helper threads may use it).
 *
 * @module
 */
import { type ProcSample, sample } from "./procstat.ts";
import type {
  Context,
  MetricDef,
  ServerScenario,
  Variant,
  VariantScenario,
} from "./scenario_kit.ts";
import { ECHOCHAT, type RunningServer, startServer } from "./servers.ts";
import type { Measurement } from "./types.ts";

/** A column: how many workers, and whether the server gets the load generator's CPU too. */
interface Setup extends Variant {
  /** `--workers`; 1 means the flag is left out (the default). */
  readonly workers: number;
  /** 1: the server's CPU only; 2: the server's and the load generator's. */
  readonly cores: 1 | 2;
}

const SETUPS: readonly Setup[] = [
  { id: "workers-1-cpu0", label: "1 worker, CPU 0", workers: 1, cores: 1 },
  {
    id: "workers-2-cpu0",
    label: "2 workers, CPU 0",
    workers: 2,
    cores: 1,
    compareWith: { variant: "workers-1-cpu0", label: "2w/1w CPU 0" },
  },
  { id: "workers-1-cpus01", label: "1 worker, CPUs 0-1", workers: 1, cores: 2 },
  {
    id: "workers-2-cpus01",
    label: "2 workers, CPUs 0-1",
    workers: 2,
    cores: 2,
    compareWith: { variant: "workers-1-cpus01", label: "2w/1w CPUs 0-1" },
  },
];

/** Figures whose ratio 2 workers / 1 worker is shown (throughput, p99, and the CPU it took). */
const RATIO_KEYS = new Set(["rps", "p99_ms", "mbps", "server_cpu_pct"]);

/** One of the loads, measured by the scenario it comes from. */
interface Load {
  /** Prefix of its figures' keys in this scenario. */
  readonly prefix: string;
  /** Prefix of its rows' labels. */
  readonly name: string;
  /** The echo scenario that measures it against one running server. */
  readonly scenario: ServerScenario;
}

/** The load scenario's figures under the load's prefix, and how evenly the workers shared it. */
function prefixed(load: Load): MetricDef[] {
  return [
    ...load.scenario.metrics.map((metric) => ({
      ...metric,
      key: `${load.prefix}_${metric.key}`,
      label: `${load.name}: ${metric.label}`,
      ...(RATIO_KEYS.has(metric.key) ? { ratio: true } : {}),
    })),
    {
      key: `${load.prefix}_busiest_worker_pct`,
      label: `${load.name}: busiest worker's share of workers' CPU %`,
      better: "none",
      digits: 0,
    },
  ];
}

/**
 * The busiest worker thread's share of all worker threads' CPU between two
 * readings, in %: 50 is an even split of 2 workers, 100 means one did
 * everything. Undefined without workers.
 */
function busiestWorkerPct(before: ProcSample, after: ProcSample): number | undefined {
  const used = Object.entries(after.workersCpuS).map(([name, s]) =>
    s - (before.workersCpuS[name] ?? 0)
  );
  const total = used.reduce((sum, s) => sum + s, 0);
  if (used.length < 2 || !(total > 0)) return undefined;
  return Math.max(...used) / total * 100;
}

/** The server's CPU list for `setup`, or `undefined` when the harness does not pin. */
function cpusFor(ctx: Context, setup: Setup): number | string | undefined {
  if (ctx.serverCpu === undefined) return undefined;
  if (setup.cores === 1 || ctx.loadCpu === undefined) return ctx.serverCpu;
  return `${ctx.serverCpu},${ctx.loadCpu}`;
}

/**
 * Runs `load` against a fresh echochat for `setup` and copies its figures,
 * notes and raw counters into `m` under the load's prefix.
 */
async function measure(ctx: Context, setup: Setup, load: Load, m: Measurement): Promise<void> {
  const cpu = cpusFor(ctx, setup);
  const server: RunningServer = await startServer(
    { id: ECHOCHAT, label: `echochat (${setup.label})`, kind: "echochat" },
    {
      epollEcho: ctx.tools.epollEcho,
      ...(cpu === undefined ? {} : { cpu }),
      echochatFlags: setup.workers > 1 ? ["--workers", String(setup.workers)] : [],
      httpPort: true,
    },
  );
  const part: Measurement = {
    scenario: load.scenario.id,
    server: setup.id,
    status: "ok",
    metrics: {},
    warnings: [],
    loadgenSaturated: false,
    raw: {},
  };
  try {
    const pid = server.pid;
    if (pid === undefined) throw new Error("no server pid");
    const before = await sample(pid);
    await load.scenario.run(ctx, server, part);
    const busiest = busiestWorkerPct(before, await sample(pid));
    if (busiest !== undefined) part.metrics.busiest_worker_pct = busiest;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${load.name}: ${message}${
        server.exited()
          ? `\n    the server exited; its last output:\n      ${
            server.output().slice(-15).join("\n      ")
          }`
          : ""
      }`,
    );
  } finally {
    await server.stop();
  }
  for (const [key, value] of Object.entries(part.metrics)) {
    m.metrics[`${load.prefix}_${key}`] = value;
  }
  for (const [key, value] of Object.entries(part.raw)) m.raw[`${load.prefix}.${key}`] = value;
  for (const warning of part.warnings) m.warnings.push(`${load.name}: ${warning}`);
  if (part.loadgenSaturated) m.loadgenSaturated = true;
}

/**
 * The `workers-echo` scenario, built from the `pingpong-1000` and `stream`
 * scenarios so that each figure means exactly what it means there.
 */
export function workersEcho(pingPong: ServerScenario, stream: ServerScenario): VariantScenario {
  const loads: readonly Load[] = [
    { prefix: "pp", name: "ping-pong 1,000", scenario: pingPong },
    { prefix: "st", name: "stream 10", scenario: stream },
  ];
  return {
    id: "workers-echo",
    title: "--workers 2 vs 1 worker: ping-pong, 1,000 connections, and stream, 10 connections",
    variants: SETUPS,
    metrics: loads.flatMap(prefixed),
    notes: [
      "each column is a fresh echochat per load, with --http-port, ready only once every worker " +
      "has bound the echo port (so SO_REUSEPORT spreads connections over both from the first); " +
      "1 worker is the default, no --workers flag",
      "CPU 0: the server on CPU 0 and the load generator on CPU 1, as everywhere else; both " +
      "workers share CPU 0, so this shows what the workers cost with no core to gain",
      "CPUs 0-1: the server may also run on CPU 1, where the load generator is pinned, so a " +
      "second worker competes with the load for it; the 1-worker reference of this pair has " +
      "the same mask. A 2-core machine cannot show 2 workers on 2 free cores",
      "server CPU % adds up every thread of the process (up to 200 % on two CPUs)",
    ],
    runVariant: async (ctx, variant, m) => {
      const setup = SETUPS.find((s) => s.id === variant.id);
      if (setup === undefined) throw new Error(`unknown variant ${variant.id}`);
      if (setup.cores === 1 && ctx.serverCpu === undefined) {
        m.status = "skipped";
        m.error = "needs pinning (taskset, 2 CPUs, no --no-pin); the CPUs 0-1 columns run unpinned";
        return;
      }
      for (const load of loads) await measure(ctx, setup, load, m);
    },
  };
}
