/**
 * The benchmark scenarios: what load each one puts on a server, which
 * figures it reports and which load-generator counters must be zero.
 *
 * @module
 */
import { num, runLoad } from "./loadgen.ts";
import { cpuBetween, type ProcSample, sample, sleep } from "./procstat.ts";
import { ECHOCHAT } from "./servers.ts";
import { chatIdleRss } from "./chat_idle_rss.ts";
import { redisChat } from "./redis_chat.ts";
import { stuckPeers } from "./stuck_peers.ts";
import { workersEcho } from "./workers_echo.ts";
import {
  CHAT_ERROR_KEYS,
  chatArgs,
  chatFigures,
  chatWarnings,
  checkErrors,
  ECHO_ERROR_KEYS,
  echoArgs,
  LOADGEN_CPU,
  loadgenCpu,
  loadOptions,
  OTHER_CPU,
  type Scenario,
  SERVER_CPU,
  serverCpuProbe,
  type ServerScenario,
  settledRss,
  waitForFds,
} from "./scenario_kit.ts";

/** Idle timeout (s) echochat gets in the idle-reaping scenario. */
export const REAP_TIMEOUT_S = 2;
/** Heartbeat interval (s) echochat gets in the idle-reaping scenario. */
export const REAP_HEARTBEAT_S = 1;
/** Scheduling slack (s) allowed on top of timeout + heartbeat for the last close. */
export const REAP_SLACK_S = 0.25;

function pingPong(conns: number): ServerScenario {
  return {
    id: `pingpong-${conns}`,
    title: `ping-pong, ${conns.toLocaleString("en-US")} connections, 64-byte messages`,
    echochatOnly: false,
    needsPid: false,
    metrics: [
      { key: "rps", label: "round trips/s", better: "higher", digits: 0, ratio: true },
      { key: "p50_ms", label: "p50 latency ms", better: "lower", digits: 2 },
      { key: "p99_ms", label: "p99 latency ms", better: "lower", digits: 2, ratio: true },
      { key: "max_ms", label: "max latency ms", better: "lower", digits: 1 },
      { key: "conn_rtts_min", label: "round trips/conn min", better: "higher", digits: 0 },
      { key: "conn_rtts_median", label: "round trips/conn median", better: "none", digits: 0 },
      { key: "conn_rtts_max", label: "round trips/conn max", better: "none", digits: 0 },
      { key: "starved_1s", label: "conns starved >= 1 s", better: "lower", digits: 0 },
      { key: "gap_max_ms", label: "longest conn stall ms", better: "lower", digits: 0 },
      SERVER_CPU,
      LOADGEN_CPU,
      OTHER_CPU,
    ],
    run: async (ctx, server, m) => {
      const cpu = serverCpuProbe(server, ctx.durationS);
      const run = await runLoad(
        ctx.tools.echoload,
        echoArgs(server, "pingpong", conns, 64, ctx.durationS),
        loadOptions(ctx, (ctx.durationS + 60) * 1000, cpu.onReady),
      );
      m.raw = run.result;
      const r = run.result;
      Object.assign(m.metrics, {
        rps: num(r, "rps"),
        p50_ms: num(r, "p50_us") / 1000,
        p99_ms: num(r, "p99_us") / 1000,
        max_ms: num(r, "max_us") / 1000,
        conn_rtts_min: num(r, "conn_rtts_min"),
        conn_rtts_median: num(r, "conn_rtts_median"),
        conn_rtts_max: num(r, "conn_rtts_max"),
        starved_1s: num(r, "conns_starved_1s"),
        gap_max_ms: num(r, "conn_gap_max_us") / 1000,
      });
      loadgenCpu(m, r);
      cpu.fill(m, num(r, "client_cpu_pct"));
      checkErrors(run, ECHO_ERROR_KEYS, conns);
    },
  };
}

const stream: ServerScenario = {
  id: "stream",
  title: "stream, 10 connections, 16 KiB writes",
  echochatOnly: false,
  needsPid: false,
  metrics: [
    { key: "mbps", label: "echoed MB/s", better: "higher", digits: 0, ratio: true },
    { key: "conn_mb_min", label: "MB/conn min", better: "higher", digits: 0 },
    { key: "conn_mb_max", label: "MB/conn max", better: "none", digits: 0 },
    { key: "starved_1s", label: "conns starved >= 1 s", better: "lower", digits: 0 },
    SERVER_CPU,
    LOADGEN_CPU,
    OTHER_CPU,
  ],
  run: async (ctx, server, m) => {
    const cpu = serverCpuProbe(server, ctx.durationS);
    const run = await runLoad(
      ctx.tools.echoload,
      echoArgs(server, "stream", 10, 16384, ctx.durationS),
      loadOptions(ctx, (ctx.durationS + 60) * 1000, cpu.onReady),
    );
    m.raw = run.result;
    const r = run.result;
    Object.assign(m.metrics, {
      mbps: num(r, "echoed_MBps"),
      conn_mb_min: num(r, "conn_MB_min"),
      conn_mb_max: num(r, "conn_MB_max"),
      starved_1s: num(r, "conns_starved_1s"),
    });
    loadgenCpu(m, r);
    cpu.fill(m, num(r, "client_cpu_pct"));
    checkErrors(run, ECHO_ERROR_KEYS, 10);
  },
};

const churn: ServerScenario = {
  id: "churn",
  title: "connection churn, 50 at a time: connect, one 64-byte echo, close",
  echochatOnly: false,
  needsPid: false,
  metrics: [
    { key: "cps", label: "connections/s", better: "higher", digits: 0, ratio: true },
    { key: "p50_ms", label: "p50 cycle ms", better: "lower", digits: 2 },
    { key: "p99_ms", label: "p99 cycle ms", better: "lower", digits: 2 },
    SERVER_CPU,
    LOADGEN_CPU,
    OTHER_CPU,
  ],
  run: async (ctx, server, m) => {
    const cpu = serverCpuProbe(server, ctx.durationS);
    const run = await runLoad(
      ctx.tools.echoload,
      echoArgs(server, "churn", 50, 64, ctx.durationS),
      loadOptions(ctx, (ctx.durationS + 30) * 1000, cpu.onReady),
    );
    m.raw = run.result;
    const r = run.result;
    Object.assign(m.metrics, {
      cps: num(r, "cps"),
      p50_ms: num(r, "p50_us") / 1000,
      p99_ms: num(r, "p99_us") / 1000,
    });
    loadgenCpu(m, r);
    cpu.fill(m, num(r, "client_cpu_pct"));
    checkErrors(run, ECHO_ERROR_KEYS, 50);
  },
};

const idleRss: ServerScenario = {
  id: "idle-rss",
  title: "idle connections: server memory and CPU",
  echochatOnly: false,
  needsPid: true,
  // echochat's defaults: the reaper runs, nothing is due
  echochatFlags: ["--idle-timeout", "300", "--heartbeat-interval", "1"],
  metrics: [
    { key: "kib_per_conn", label: "KiB per idle conn", better: "lower", digits: 1, ratio: true },
    { key: "conns", label: "idle connections", better: "none", digits: 0 },
    { key: "rss_before_mib", label: "RSS before MiB", better: "none", digits: 1 },
    { key: "rss_after_mib", label: "RSS with conns MiB", better: "lower", digits: 1 },
    { key: "idle_cpu_pct", label: "server CPU % while idle", better: "lower", digits: 2 },
  ],
  run: async (ctx, server, m) => {
    const pid = server.pid;
    if (pid === undefined) throw new Error("needs the server's pid");
    await sleep(300);
    const rss0 = await settledRss(pid);
    const fd0 = (await sample(pid)).fds;
    const conns = ctx.idleConns;
    let measured = false;
    const holdS = 5;
    const run = await runLoad(
      ctx.tools.echoload,
      echoArgs(server, "idle", conns, 64, holdS),
      loadOptions(ctx, (holdS + 90) * 1000, async () => {
        const accepted = await waitForFds(pid, fd0, conns, (holdS - 2) * 1000);
        if (accepted < conns) {
          throw new Error(`server accepted only ${accepted} of ${conns} connections`);
        }
        const rss1 = await settledRss(pid);
        if ((await sample(pid)).fds - fd0 < conns) {
          throw new Error("connections closed before RSS settled (hold too short)");
        }
        Object.assign(m.metrics, {
          kib_per_conn: (rss1 - rss0) / conns / 1024,
          conns,
          rss_before_mib: rss0 / 1048576,
          rss_after_mib: rss1 / 1048576,
        });
        measured = true;
        const a = await sample(pid);
        const t0 = performance.now();
        await sleep(1500);
        const b = await sample(pid);
        if (b.fds - fd0 >= conns) {
          m.metrics.idle_cpu_pct = cpuBetween(a, b) / ((performance.now() - t0) / 1000) * 100;
        }
      }),
    );
    m.raw = run.result;
    checkErrors(run, [...ECHO_ERROR_KEYS, "closed_by_server"], conns);
    if (!measured) throw new Error("the connections were closed before RSS was measured");
    const still = num(run.result, "still_open_at_end");
    if (still !== conns) m.warnings.push(`only ${still} connections were still open at the end`);
    loadgenCpu(m, run.result);
  },
};

const idleReaping: ServerScenario = {
  id: "idle-reaping",
  title:
    `idle reaping: idle connections, --idle-timeout ${REAP_TIMEOUT_S} --heartbeat-interval ${REAP_HEARTBEAT_S}`,
  echochatOnly: true,
  needsPid: true,
  echochatFlags: [
    "--idle-timeout",
    String(REAP_TIMEOUT_S),
    "--heartbeat-interval",
    String(REAP_HEARTBEAT_S),
  ],
  metrics: [
    { key: "conns", label: "idle connections", better: "none", digits: 0 },
    { key: "closed", label: "closed by server", better: "none", digits: 0 },
    { key: "first_close_s", label: "first close, s after its connect", better: "none", digits: 2 },
    { key: "last_close_s", label: "last close, s after its connect", better: "lower", digits: 2 },
    { key: "idle_cpu_pct", label: "server CPU % while idle", better: "lower", digits: 2 },
    { key: "idle_cpu_window_s", label: "idle CPU window s", better: "none", digits: 2 },
  ],
  run: async (ctx, server, m) => {
    const pid = server.pid;
    if (pid === undefined) throw new Error("needs the server's pid");
    await sleep(200);
    const fd0 = (await sample(pid)).fds;
    const conns = ctx.idleConns;
    const holdS = REAP_TIMEOUT_S + REAP_HEARTBEAT_S + 1;
    const samples: { t: number; cpu: ProcSample }[] = [];
    let readyAt = Number.NaN;
    let acceptedAt = Number.NaN;
    let sampling = true;
    const run = await runLoad(
      ctx.tools.echoload,
      echoArgs(server, "idle", conns, 64, holdS),
      loadOptions(ctx, (holdS + 90) * 1000, async () => {
        readyAt = performance.now();
        await waitForFds(pid, fd0, conns, REAP_TIMEOUT_S * 1000);
        acceptedAt = performance.now();
        while (sampling && performance.now() - readyAt < holdS * 1000) {
          try {
            const cpu = await sample(pid);
            samples.push({ t: performance.now(), cpu });
          } catch {
            break; // the server exited
          }
          await sleep(100);
        }
      }),
    ).finally(() => sampling = false);
    m.raw = run.result;
    const r = run.result;
    const closed = num(r, "closed_by_server");
    Object.assign(m.metrics, {
      conns,
      closed,
      first_close_s: num(r, "close_age_min_s"),
      last_close_s: num(r, "close_age_max_s"),
    });
    // idle window: from "all accepted" (+100 ms) to 50 ms before the first close
    const firstCloseAt = readyAt + num(r, "first_close_s") * 1000;
    const from = acceptedAt + 100;
    const to = closed > 0 ? firstCloseAt - 50 : readyAt + holdS * 1000;
    const inside = samples.filter((s) => s.t >= from && s.t <= to);
    const a = inside[0];
    const b = inside[inside.length - 1];
    // at least one heartbeat inside the window
    if (a !== undefined && b !== undefined && b.t - a.t >= REAP_HEARTBEAT_S * 1000) {
      m.metrics.idle_cpu_pct = cpuBetween(a.cpu, b.cpu) / ((b.t - a.t) / 1000) * 100;
      m.metrics.idle_cpu_window_s = (b.t - a.t) / 1000;
    } else {
      m.warnings.push(
        `the idle window between the last connect and the first close was shorter than ` +
          `the heartbeat, too short to measure CPU in; see idle-rss for idle CPU`,
      );
    }
    checkErrors(run, ECHO_ERROR_KEYS, conns);
    if (closed !== conns) {
      throw new Error(`only ${closed} of ${conns} idle connections were closed by the server`);
    }
  },
};

function chat(conns: number, senders: number, rate: number): ServerScenario {
  return {
    id: `chat-${conns}`,
    title: `chat fan-out, one room of ${
      conns.toLocaleString("en-US")
    } clients, ${senders} senders x ${rate} lines/s`,
    echochatOnly: true,
    needsPid: false,
    echochatFlags: ["--rate-limit", "1000000", "--rate-burst", "1000000"],
    metrics: [
      { key: "dps", label: "delivered lines/s", better: "higher", digits: 0 },
      { key: "p50_ms", label: "p50 latency ms", better: "lower", digits: 2 },
      { key: "p99_ms", label: "p99 latency ms", better: "lower", digits: 2 },
      { key: "max_ms", label: "max latency ms", better: "lower", digits: 1 },
      { key: "lost", label: "lost", better: "lower", digits: 0 },
      { key: "reordered", label: "reordered", better: "lower", digits: 0 },
      { key: "corrupt", label: "corrupt", better: "lower", digits: 0 },
      SERVER_CPU,
      LOADGEN_CPU,
    ],
    run: async (ctx, server, m) => {
      if (server.chatPort === undefined) throw new Error("no chat port");
      const args = chatArgs({
        host: server.host,
        port: server.chatPort,
        conns,
        senders,
        rate,
        durationS: ctx.durationS,
        // Joins are announced at the heartbeat 1-2 s after a connect: wait them out.
        quietMs: 2500,
        ...(server.pid === undefined ? {} : { serverPid: server.pid }),
      });
      const run = await runLoad(ctx.tools.chatload, args, loadOptions(ctx, 180_000));
      m.raw = run.result;
      const r = run.result;
      chatFigures(m, r);
      const serverPct = num(r, "server_cpu_pct");
      if (Number.isFinite(serverPct) && serverPct >= 0) m.metrics.server_cpu_pct = serverPct;
      loadgenCpu(m, r);
      checkErrors(run, CHAT_ERROR_KEYS, conns, "open_at_window");
      chatWarnings(m, r);
    },
  };
}

/** Every scenario, in run order. */
export const SCENARIOS: readonly Scenario[] = [
  pingPong(50),
  pingPong(1000),
  stream,
  idleRss,
  churn,
  stuckPeers,
  idleReaping,
  chat(100, 10, 100),
  chat(1000, 10, 10),
  chatIdleRss,
  workersEcho(pingPong(1000), stream),
  redisChat,
];

/** Whether `scenario` applies to the server with id `serverId` (and kind). */
export function appliesTo(scenario: ServerScenario, serverId: string, hasPid: boolean): boolean {
  if (scenario.echochatOnly && serverId !== ECHOCHAT) return false;
  if (scenario.servers !== undefined && !scenario.servers.includes(serverId)) return false;
  if (scenario.needsPid && !hasPid) return false;
  return true;
}
