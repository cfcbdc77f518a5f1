/**
 * `deno task bench`: measures echochat against a plain Deno loop, a minimal
 * fair Deno reactor, Node `net` and a C epoll server in one run, on loopback,
 * and writes a table (stdout), a JSON file and an SVG chart. See
 * bench/README.md.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath as fromFileUrl } from "node:url";
import { renderSvg } from "./chart.ts";
import { buildTools, removeTools, type Tools } from "./loadgen.ts";
import { runningCount, runQuiet, stopAll } from "./process.ts";
import { setProcstatHelper } from "./procstat.ts";
import { computeRatios, fmt, renderText, type Report, writeJson } from "./report.ts";
import type { Context, Scenario } from "./scenario_kit.ts";
import { appliesTo, SCENARIOS } from "./scenarios.ts";
import { availableServers, ECHOCHAT, type RunningServer, startServer } from "./servers.ts";
import { evaluateTargets } from "./targets.ts";
import type { Measurement, Options } from "./types.ts";

const DEFAULT_DURATION_S = 5;
const QUICK_DURATION_S = 2;
const IDLE_CONNS = 10_000;
const DEFAULT_OUT = fromFileUrl(new URL("./results/", import.meta.url)).replace(/\/$/, "");
const COMMITTED_CHART = fromFileUrl(new URL("./chart.svg", import.meta.url));

const HELP = `deno task bench [flags]

Measures echochat against a plain Deno read/write loop, a minimal fair
Deno.Conn reactor, Node net, a C epoll server (the limit) and any --target,
on loopback, in one run.

  --quick              short windows (${QUICK_DURATION_S} s) for a smoke test
  --duration S         measurement window per scenario (default ${DEFAULT_DURATION_S} s)
  --only a,b           run only these scenarios: ${SCENARIOS.map((s) => s.id).join(", ")}
  --target host:port   an external echo server to add as a column (repeatable)
  --out DIR            where the JSON and SVG go (default bench/results/)
  --no-pin             do not pin the server to CPU 0 and the load to CPU 1
  --help               this text
`;

/** Parses the command line; returns `null` after printing help. */
export function parseOptions(args: string[]): Options | null {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: "boolean", default: false },
      duration: { type: "string" },
      only: { type: "string", multiple: true },
      target: { type: "string", multiple: true },
      out: { type: "string" },
      "no-pin": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return null;
  }
  const quick = values.quick ?? false;
  let durationS = quick ? QUICK_DURATION_S : DEFAULT_DURATION_S;
  if (values.duration !== undefined) {
    durationS = Number(values.duration);
    if (!Number.isFinite(durationS) || durationS <= 0) {
      throw new Error(`--duration ${values.duration}: expected a positive number of seconds`);
    }
  }
  const only = (values.only ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) =>
    s !== ""
  );
  const known = new Set(SCENARIOS.map((s) => s.id));
  const unknown = only.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new Error(
      `--only: unknown scenario ${unknown.join(", ")} (known: ${[...known].join(", ")})`,
    );
  }
  return {
    quick,
    durationS,
    only,
    targets: values.target ?? [],
    outDir: values.out ?? DEFAULT_OUT,
    pin: !(values["no-pin"] ?? false),
  };
}

function log(message: string): void {
  console.error(message);
}

async function hardFileLimit(): Promise<number> {
  const r = await runQuiet(["/bin/sh", "-c", "ulimit -H -n"]);
  const n = Number(r?.stdout.trim());
  return Number.isFinite(n) ? n : r?.stdout.trim() === "unlimited" ? Infinity : 1024;
}

/** The CPU model (Deno wants --allow-all to read /proc/cpuinfo itself). */
async function cpuModel(): Promise<string> {
  const r = await runQuiet(["grep", "-m1", "model name", "/proc/cpuinfo"]);
  return /:\s*(.*)$/.exec(r?.stdout.trim() ?? "")?.[1] ?? "unknown";
}

/** A measurement with no figures yet. */
function newMeasurement(scenario: string, server: string): Measurement {
  return {
    scenario,
    server,
    status: "ok",
    metrics: {},
    warnings: [],
    loadgenSaturated: false,
    raw: {},
  };
}

/** One progress line on stderr: the scenario's headline figure (or why there is none). */
function logDone(scenario: Scenario, column: string, m: Measurement, started: number): void {
  const head = scenario.metrics[0];
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  const shown = m.status === "ok" && head !== undefined
    ? `${fmt(m.metrics[head.key], head.digits)} ${head.label}`
    : `${m.status === "skipped" ? "skipped" : "ERROR"} ${m.error ?? ""}`;
  log(
    `[${scenario.id}] ${column}: ${shown}${
      m.loadgenSaturated ? " (load saturated)" : ""
    } (${secs} s)`,
  );
}

async function run(options: Options, tools: Tools): Promise<number> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const notes: string[] = [];
  const cpus = navigator.hardwareConcurrency;
  let pinned = false;
  if (options.pin) {
    const probe = await runQuiet(["taskset", "-c", "1", "true"]);
    if (cpus < 2) notes.push("not pinned: fewer than 2 CPUs");
    else if (probe === null || probe.code !== 0) notes.push("not pinned: taskset not available");
    else pinned = true;
  } else {
    notes.push("not pinned: --no-pin");
  }
  const limit = await hardFileLimit();
  const idleConns = Math.max(100, Math.min(IDLE_CONNS, limit - 200));
  if (idleConns < IDLE_CONNS) {
    notes.push(
      `idle scenarios use ${idleConns} connections: the open-file hard limit is ${limit}`,
    );
  }
  const avail = await availableServers(options.targets);
  notes.push(...avail.notes);
  for (const n of notes) log(`note: ${n}`);

  const ctx: Context = {
    tools,
    durationS: options.durationS,
    quick: options.quick,
    idleConns,
    fileLimit: limit,
    ...(pinned ? { serverCpu: 0, loadCpu: 1 } : {}),
  };
  const scenarios = SCENARIOS.filter((s) =>
    options.only.length === 0 || options.only.includes(s.id)
  );
  const results: Measurement[] = [];
  let echochatBroken: string | undefined;

  for (const scenario of scenarios) {
    if (scenario.variants !== undefined) {
      if (!avail.servers.some((s) => s.id === ECHOCHAT)) continue;
      for (const variant of scenario.variants) {
        const m = newMeasurement(scenario.id, variant.id);
        results.push(m);
        if (echochatBroken !== undefined) {
          m.status = "error";
          m.error = `not started: ${echochatBroken}`;
          continue;
        }
        const started = performance.now();
        try {
          await scenario.runVariant(ctx, variant, m);
        } catch (error) {
          m.status = "error";
          m.error = error instanceof Error ? error.message : String(error);
        }
        logDone(scenario, variant.label, m, started);
      }
      continue;
    }
    for (const spec of avail.servers) {
      if (!appliesTo(scenario, spec.id, spec.kind !== "external")) continue;
      const m = newMeasurement(scenario.id, spec.id);
      results.push(m);
      if (spec.id === ECHOCHAT && echochatBroken !== undefined) {
        m.status = "error";
        m.error = `not started: ${echochatBroken}`;
        continue;
      }
      const started = performance.now();
      let server: RunningServer | undefined;
      try {
        server = await startServer(spec, {
          epollEcho: tools.epollEcho,
          ...(ctx.serverCpu === undefined ? {} : { cpu: ctx.serverCpu }),
          ...(scenario.echochatFlags === undefined
            ? {}
            : { echochatFlags: scenario.echochatFlags }),
        });
      } catch (error) {
        m.status = "error";
        m.error = `server did not start: ${error instanceof Error ? error.message : error}`;
        if (spec.id === ECHOCHAT) echochatBroken = m.error;
        log(`[${scenario.id}] ${spec.label}: ${m.error}`);
        continue;
      }
      try {
        await scenario.run(ctx, server, m);
      } catch (error) {
        m.status = "error";
        m.error = error instanceof Error ? error.message : String(error);
        if (server.exited()) {
          m.error += `\n    the server exited; its last output:\n      ${
            server.output().slice(-15).join("\n      ")
          }`;
        }
      } finally {
        await server.stop();
      }
      logDone(scenario, spec.label, m, started);
    }
  }

  const ratios = computeRatios(scenarios, results);
  const targets = avail.servers.some((s) => s.id === ECHOCHAT) ? evaluateTargets(results) : [];
  const elapsedS = (performance.now() - t0) / 1000;
  const model = await cpuModel();
  console.log(renderText(scenarios, avail.servers, results, ratios, targets));
  if (results.some((r) => r.loadgenSaturated)) {
    console.log("SAT: the load generator used > 90 % of a core: that figure is a lower bound.");
  }
  const subtitle = `${new Date(startedAt).toUTCString()}, ${options.durationS} s windows, ` +
    `${
      pinned ? "server on CPU 0, load on CPU 1" : "not pinned"
    }, ${model}, Deno ${Deno.version.deno}` +
    (avail.nodeVersion === undefined ? "" : `, Node ${avail.nodeVersion}`);
  const report: Report = {
    version: 1,
    startedAt,
    elapsedS,
    options: { ...options },
    machine: {
      cpus,
      cpuModel: model,
      os: Deno.osRelease(),
      loadavg: Deno.loadavg(),
      pinned,
      deno: Deno.version,
      node: avail.nodeVersion ?? null,
      gcc: tools.gccVersion,
      openFileHardLimit: limit,
    },
    servers: avail.servers,
    scenarios: scenarios.map((s) => ({
      id: s.id,
      title: s.title,
      metrics: s.metrics,
      ...(s.variants === undefined ? {} : { variants: s.variants }),
      ...(s.notes === undefined ? {} : { notes: s.notes }),
    })),
    results,
    ratios,
    targets,
    notes,
  };
  const paths = await writeJson(options.outDir, report);
  const svg = renderSvg(avail.servers, results, subtitle);
  await Deno.writeTextFile(`${options.outDir}/latest.svg`, svg);
  paths.push(`${options.outDir}/latest.svg`);
  if (options.only.length === 0 && options.targets.length === 0) {
    await Deno.writeTextFile(COMMITTED_CHART, svg);
    paths.push(COMMITTED_CHART);
  }
  console.log(`wrote ${paths.join(", ")}`);
  console.log(`finished in ${elapsedS.toFixed(0)} s`);
  return 0;
}

async function main(args: string[]): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(args);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : error}\n\n${HELP}`);
    return 2;
  }
  if (options === null) return 0;
  if (Deno.build.os !== "linux") {
    console.error("bench: Linux only (it reads /proc and uses epoll load generators)");
    return 1;
  }
  let tools: Tools | undefined;
  const cleanup = async () => {
    await stopAll();
    if (tools !== undefined) await removeTools(tools);
  };
  const onSignal = () => {
    log("\ninterrupted: stopping every process started");
    cleanup().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    log("compiling bench/c/*.c ...");
    tools = await buildTools();
    setProcstatHelper(tools.procstat);
    return await run(options, tools);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    await cleanup();
    if (runningCount() !== 0) console.error(`bench: ${runningCount()} processes left running`);
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
