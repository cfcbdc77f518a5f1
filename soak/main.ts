/**
 * `deno task soak`: runs echochat under a mixed load for a while (60 s by
 * default) and says whether it held: no lost or corrupted byte or line, no
 * failed connection, no server log line at warning or above, and memory
 * that levels off instead of climbing. Exits 1 when any of it failed.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { buildTools, nonZero, removeTools, type Tools } from "../bench/loadgen.ts";
import { stopAll } from "../bench/process.ts";
import { cpuBetween, type ProcSample, sample, setProcstatHelper } from "../bench/procstat.ts";
import {
  burst,
  BURST_ERROR_KEYS,
  BUSY_ROOM_ERROR_KEYS,
  busyRoom,
  type BusyRoomFigures,
  slowTypists,
  type ToolRun,
  TYPIST_ERROR_KEYS,
} from "./c_tools.ts";
import { ChatLoad, type ChatLoadOptions } from "./chat_load.ts";
import { EchoLoad, type EchoLoadOptions } from "./echo_load.ts";
import { judgeMemory, type MemorySample } from "./memory.ts";
import { describeError, Problems } from "./problems.ts";
import { header, line, type Row, writeReport } from "./report.ts";
import { type SoakServer, startSoakServer } from "./server.ts";

const DEFAULT_DURATION_S = 60;
const MIN_DURATION_S = 15;
const DEFAULT_EVERY_S = 5;
const DEFAULT_OUT = fileURLToPath(new URL("../bench/results/", import.meta.url));

const ECHO: EchoLoadOptions = {
  streams: 4,
  streamBytesPerS: 4 << 20,
  slowReaders: 8,
  churnPerS: 100,
};
const CHAT: ChatLoadOptions = {
  rooms: ["lobby", "dev", "ops", "random"],
  stayersPerRoom: 2,
  stayerEveryS: 2,
  visitors: 8,
  fuzzers: 4,
};
/** The busy room: users who all talk, lines per second each. */
const BUSY = { conns: 20, rate: 2 };
/** Slow typists in the lobby. */
const TYPISTS = 300;
/** The C tools' window outlasts the Deno load by this much (they start first). */
const TOOL_MARGIN_S = 5;
/** Seconds of the full-speed burst at the start of the warm-up (see `burst`). */
const BURST_S = 10;

const HELP = `deno task soak [flags]

Starts echochat on free loopback ports and runs a mixed load against it:
echo streams, slow readers and churn, chat rooms with users who stay and
visitors who come and go, a busy room, slow typists and fuzz; the first
seconds add a full-speed burst of churn. Prints the server's
memory and the load's figures every few seconds, then a verdict: nothing
lost, corrupted or failed, no server log line at warning or above, and
memory that levels off (the median RSS of the last third of the run at
most 10 % above the middle third's; the first third is warm-up).

  --duration S   how long the load runs (default ${DEFAULT_DURATION_S}, at least ${MIN_DURATION_S})
  --every S      seconds between table rows (default ${DEFAULT_EVERY_S})
  --out DIR      where soak-<time>.json and soak-latest.json go (default bench/results/)
  --help         this text

Exit code 0 when the verdict passes, 1 when it fails, 2 for a bad flag.
Needs gcc (the C load generators are compiled from bench/c/).`;

interface Options {
  durationS: number;
  everyS: number;
  out: string;
}

function parseOptions(args: string[]): Options | null {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      duration: { type: "string" },
      every: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return null;
  const seconds = (flag: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) {
      throw new RangeError(`--${flag} ${raw}: expected a number of seconds, at least ${min}`);
    }
    return n;
  };
  return {
    durationS: seconds("duration", values.duration, DEFAULT_DURATION_S, MIN_DURATION_S),
    everyS: seconds("every", values.every, DEFAULT_EVERY_S, 1),
    out: values.out ?? DEFAULT_OUT,
  };
}

const log = (message: string) => console.error(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves `promise`, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Adds the non-zero error counters of a C tool's result to `problems`. */
async function toolProblems(
  run: ToolRun,
  keys: readonly string[],
  timeoutMs: number,
  problems: Problems,
): Promise<Record<string, string> | null> {
  try {
    const result = await within(run.result, timeoutMs, run.name);
    const bad = nonZero(result, keys);
    if (bad.length > 0) problems.add(`${run.name}: errors`, bad.join(" "), bad.length);
    return result;
  } catch (error) {
    problems.add(`${run.name}: failed`, describeError(error));
    await run.stop();
    return null;
  }
}

async function soak(options: Options, tools: Tools): Promise<number> {
  const startedAt = new Date().toISOString();
  const problems = new Problems();
  const server: SoakServer = await startSoakServer();
  running = server;
  try {
    return await soakAgainst(server, options, tools, problems, startedAt);
  } finally {
    running = undefined;
    await server.stop(5_000); // already stopped unless the soak failed on the way
  }
}

/** The server the soak runs against, to stop on Ctrl-C. */
let running: SoakServer | undefined;

async function soakAgainst(
  server: SoakServer,
  options: Options,
  tools: Tools,
  problems: Problems,
  startedAt: string,
): Promise<number> {
  log(`echochat (pid ${server.pid}) on echo ${server.echoPort}, chat ${server.chatPort}`);
  const toolS = options.durationS + TOOL_MARGIN_S;
  const busyFigures: BusyRoomFigures = { delivered: 0 };
  const busy = busyRoom(tools, server.chatPort, BUSY.conns, BUSY.rate, toolS, busyFigures);
  const typists = slowTypists(tools, server.chatPort, TYPISTS, toolS);
  await within(Promise.all([busy.ready, typists.ready]), 60_000, "the C load generators");
  const echo = new EchoLoad(server.echoPort, ECHO, problems);
  const chat = new ChatLoad(server.chatPort, CHAT, problems);
  await echo.start();
  await chat.start();
  log(`load running for ${options.durationS} s\n`);

  const t0 = performance.now();
  const burstS = Math.min(BURST_S, options.durationS / 3 - 1);
  const churnBurst = burst(tools, server.echoPort, burstS);
  const samples: MemorySample[] = [];
  const rows: Row[] = [];
  console.log(header());
  let previous: ProcSample = await sample(server.pid);
  let previousAt = t0;
  let nextRow = options.everyS;
  for (let tick = 1; tick <= options.durationS; tick++) {
    await sleep(t0 + tick * 1000 - performance.now());
    let now: ProcSample;
    try {
      now = await sample(server.pid);
    } catch {
      problems.add("server: exited during the soak");
      break;
    }
    const t = (performance.now() - t0) / 1000;
    samples.push({ t, rssKiB: now.rssBytes / 1024 });
    if (tick >= nextRow || tick === options.durationS) {
      nextRow += options.everyS;
      chat.check();
      const at = performance.now();
      const row: Row = {
        t,
        rssMiB: now.rssBytes / 1048576,
        fds: now.fds,
        cpuPct: (cpuBetween(previous, now) / ((at - previousAt) / 1000)) * 100,
        echoMiB: echo.figures.verifiedBytes / 1048576,
        churnCycles: echo.figures.churnCycles,
        chatSaid: chat.figures.said,
        chatDelivered: chat.figures.delivered,
        busyDelivered: busyFigures.delivered,
        fuzzKiB: chat.figures.fuzzBytes / 1024,
        problems: problems.total,
      };
      previous = now;
      previousAt = at;
      rows.push(row);
      console.log(line(row));
    }
  }

  log("\nstopping the load and checking what arrived...");
  await within(echo.stop(), 60_000, "the echo load's drain").catch((e) =>
    problems.add("echo: drain failed", describeError(e))
  );
  await within(chat.stop(), 60_000, "the chat load's drain").catch((e) =>
    problems.add("chat: drain failed", describeError(e))
  );
  const toolWaitMs = (TOOL_MARGIN_S + 30) * 1000;
  const burstResult = await toolProblems(churnBurst, BURST_ERROR_KEYS, toolWaitMs, problems);
  const busyResult = await toolProblems(busy, BUSY_ROOM_ERROR_KEYS, toolWaitMs, problems);
  const typistResult = await toolProblems(typists, TYPIST_ERROR_KEYS, toolWaitMs, problems);
  if (server.exited()) problems.add("server: exited during the soak");
  const exitCode = await server.stop(15_000);
  if (exitCode !== 0) problems.add("server: exit code after SIGTERM", String(exitCode));
  problems.add("server: log lines at warning or above", server.loud.first[0], server.loud.count);

  const memory = judgeMemory(samples);
  const pass = memory.pass && problems.total === 0;
  const final = rows.at(-1);
  console.log("");
  console.log(
    `echo:    ${final?.echoMiB.toFixed(1)} MiB echoed and verified, ` +
      `${echo.figures.churnCycles.toLocaleString("en-US")} paced churn cycles, ` +
      `${Number(burstResult?.cycles ?? 0).toLocaleString("en-US")} in the ${burstS} s burst`,
  );
  console.log(
    `chat:    ${chat.figures.said} lines said, ${chat.figures.delivered} deliveries ` +
      `to staying users checked, ${chat.figures.visits} visits, ` +
      `${(chat.figures.fuzzBytes / 1024).toFixed(0)} KiB of fuzz ` +
      `(${chat.figures.fuzzClosed} fuzz connections closed by the server)`,
  );
  console.log(
    `busy:    ${busyResult?.delivered ?? "?"} of ${busyResult?.expected ?? "?"} ` +
      `deliveries in #busy (lost ${busyResult?.lost ?? "?"}), p99 ${busyResult?.p99_us ?? "?"} µs`,
  );
  console.log(
    `typists: ${typistResult?.connected ?? "?"} connected, ` +
      `${typistResult?.sent_bytes ?? "?"} letters typed, ` +
      `${typistResult?.closed_by_server ?? "?"} closed by the server`,
  );
  console.log(
    `memory:  ${memory.reason}; peak ${(memory.peakKiB / 1024).toFixed(1)} MiB, ` +
      `slope after warm-up ${(memory.slopeKiBPerMin / 1024).toFixed(2)} MiB/min`,
  );
  const counts = problems.counts();
  if (problems.total === 0) console.log("problems: none");
  for (const [kind, n] of Object.entries(counts)) {
    console.log(
      `problem: ${kind}: ${n}${(problems.notes()[kind] ?? []).map((s) => `\n    ${s}`).join("")}`,
    );
  }
  const path = await writeReport(options.out, {
    tool: "soak",
    startedAt,
    durationS: options.durationS,
    machine: { cpus: navigator.hardwareConcurrency, deno: Deno.version.deno },
    server: { argv: server.argv, exitCode, loudLines: server.loud },
    settings: { echo: ECHO, chat: CHAT, busyRoom: BUSY, typists: TYPISTS, burstS },
    rows,
    samples,
    figures: {
      echo: echo.figures,
      chat: chat.figures,
      busyRoom: busyResult,
      typists: typistResult,
      burst: burstResult,
    },
    problems: { counts, notes: problems.notes() },
    memory,
    pass,
  });
  console.log(`verdict: ${pass ? "PASS" : "FAIL"} (${path})`);
  return pass ? 0 : 1;
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(Deno.args);
  } catch (error) {
    log(`soak: ${describeError(error)}`);
    return 2;
  }
  if (options === null) {
    console.log(HELP);
    return 0;
  }
  const onSignal = () => {
    log("soak: interrupted, stopping everything");
    Promise.allSettled([stopAll(), running?.stop(1_000)]).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  log("building the load generators (gcc)...");
  const tools = await buildTools();
  setProcstatHelper(tools.procstat);
  try {
    return await soak(options, tools);
  } catch (error) {
    log(`soak: ${describeError(error)}`);
    return 1;
  } finally {
    await stopAll();
    await removeTools(tools);
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

if (import.meta.main) Deno.exit(await main());
