/**
 * Scenario `redis-chat`: one chat across two echochat servers linked
 * through a real `redis-server`, against the same load on one echochat
 * without Redis, in the same run.
 *
 * The load is chat-100's: one room of 100 clients, 10 of them sending 100
 * 64-byte lines/s each. With Redis the 10 senders and every other receiver
 * (45) are on server A, the other 45 receivers on server B (chatload's
 * `--port2`), so each line reaches B's users only through Redis (one
 * `PUBLISH`, and one `XADD` for the history). One chatload process holds
 * every client, so loss, order, bytes and latency are checked with one
 * clock across both servers.
 *
 * The server side shares one core: echochat A, echochat B and Redis are
 * all pinned to the server CPU (the single server alone in the reference),
 * the load generator to its own, as in every other scenario.
 *
 * @module
 */
import { num, runLoad } from "./loadgen.ts";
import { redisVersion, type RunningRedis, startRedis } from "./redis.ts";
import {
  CHAT_ERROR_KEYS,
  chatArgs,
  chatFigures,
  chatWarnings,
  checkErrors,
  type Context,
  cpuProbe,
  LOADGEN_CPU,
  loadgenCpu,
  loadOptions,
  OTHER_CPU,
  type VariantScenario,
} from "./scenario_kit.ts";
import { type RunningServer, startServer } from "./servers.ts";
import type { Measurement, ServerSpec } from "./types.ts";

const CONNS = 100;
const SENDERS = 10;
const RATE = 100;
/**
 * Settle until nothing arrived for this long. A new user is announced at
 * the first heartbeat 1 s after its connect (echochat's `ANNOUNCE_AFTER_MS`
 * and the default 1 s heartbeat), so up to 2 s later; waiting 2.5 s keeps
 * those join lines out of the window (chat-100's 300 ms does not).
 */
const QUIET_MS = 2500;
/** The flags of the other chat scenarios: the per-client rate limit must not throttle the senders. */
const CHAT_FLAGS = ["--rate-limit", "1000000", "--rate-burst", "1000000"];

const ONE_SERVER = "one-server";
const TWO_SERVERS = "redis-2-servers";

/** Starts one echochat of this scenario on the server CPU, with `flags` after the chat flags. */
function startEchochat(ctx: Context, spec: ServerSpec, flags: readonly string[]) {
  return startServer(spec, {
    epollEcho: ctx.tools.epollEcho,
    ...(ctx.serverCpu === undefined ? {} : { cpu: ctx.serverCpu }),
    echochatFlags: [...CHAT_FLAGS, ...flags],
  });
}

/** The last output lines of every process of `servers` that has exited, for an error message. */
function exitedOutput(servers: readonly (RunningServer | RunningRedis)[], names: string[]): string {
  return servers.map((s, i) =>
    s.exited()
      ? `\n    ${names[i]} exited; its last output:\n      ${
        s.output().slice(-15).join("\n      ")
      }`
      : ""
  ).join("");
}

/** Runs chatload against `port` (and `port2`) and fills the shared chat figures of `m`. */
async function load(
  ctx: Context,
  m: Measurement,
  host: string,
  ports: { port: number; port2?: number },
  pids: readonly number[],
) {
  const cpu = cpuProbe(pids, ctx.durationS);
  const run = await runLoad(
    ctx.tools.chatload,
    chatArgs({
      host,
      ...ports,
      conns: CONNS,
      senders: SENDERS,
      rate: RATE,
      durationS: ctx.durationS,
      quietMs: QUIET_MS,
    }),
    loadOptions(ctx, (ctx.durationS + 120) * 1000, cpu.onReady),
  );
  m.raw = run.result;
  const r = run.result;
  chatFigures(m, r);
  loadgenCpu(m, r);
  cpu.fillOther(m, num(r, "client_cpu_pct"));
  checkErrors(run, CHAT_ERROR_KEYS, CONNS, "open_at_window");
  chatWarnings(m, r);
  return { r, cpu: cpu.pcts() };
}

async function oneServer(ctx: Context, m: Measurement): Promise<void> {
  const server = await startEchochat(
    ctx,
    { id: "echochat", label: "echochat", kind: "echochat" },
    [],
  );
  try {
    if (server.chatPort === undefined || server.pid === undefined) throw new Error("no chat port");
    const { cpu } = await load(ctx, m, server.host, { port: server.chatPort }, [server.pid]);
    // every receiver is on the senders' server
    Object.assign(m.metrics, {
      a_p50_ms: m.metrics.p50_ms,
      a_p99_ms: m.metrics.p99_ms,
      a_dps: m.metrics.dps,
      ...(cpu[0] === undefined ? {} : { server_a_cpu_pct: cpu[0], server_all_cpu_pct: cpu[0] }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message + exitedOutput([server], ["echochat"]));
  } finally {
    await server.stop();
  }
}

async function twoServers(ctx: Context, m: Measurement): Promise<void> {
  const version = await redisVersion();
  if (version === null) {
    m.status = "skipped";
    m.error = "redis-server is not installed (Debian: apt-get install redis-server)";
    return;
  }
  const redis = await startRedis(ctx.serverCpu);
  const started: RunningServer[] = [];
  const names = ["echochat A", "echochat B"];
  try {
    for (const name of names) {
      const spec: ServerSpec = { id: name.replace(" ", "-"), label: name, kind: "echochat" };
      started.push(await startEchochat(ctx, spec, ["--redis", redis.url]));
    }
    const [a, b] = started as [RunningServer, RunningServer];
    for (const [i, s] of started.entries()) {
      if (s.output().some((line) => line.includes("does not answer"))) {
        throw new Error(`${names[i]} could not reach Redis at ${redis.url}`);
      }
    }
    if (a.chatPort === undefined || b.chatPort === undefined) throw new Error("no chat port");
    if (a.pid === undefined || b.pid === undefined) throw new Error("no server pid");
    const { r, cpu } = await load(ctx, m, a.host, { port: a.chatPort, port2: b.chatPort }, [
      a.pid,
      b.pid,
      redis.pid,
    ]);
    m.raw.redis_version = version;
    const lost = started.filter((s) => s.output().some((line) => line.includes("link lost")));
    if (lost.length > 0) throw new Error("a server lost its link to Redis during the run");
    const onB = num(r, "conns_port2");
    if (onB !== Math.floor((CONNS - SENDERS) / 2)) {
      throw new Error(
        `expected ${(CONNS - SENDERS) / 2} receivers on server B, chatload had ${onB}`,
      );
    }
    Object.assign(m.metrics, {
      a_p50_ms: num(r, "p50_us_port1") / 1000,
      a_p99_ms: num(r, "p99_us_port1") / 1000,
      a_dps: num(r, "dps_port1"),
      b_p50_ms: num(r, "p50_us_port2") / 1000,
      b_p99_ms: num(r, "p99_us_port2") / 1000,
      b_max_ms: num(r, "max_us_port2") / 1000,
      b_dps: num(r, "dps_port2"),
    });
    if (cpu.length === 3) {
      const [cpuA, cpuB, cpuRedis] = cpu as [number, number, number];
      Object.assign(m.metrics, {
        server_a_cpu_pct: cpuA,
        server_b_cpu_pct: cpuB,
        redis_cpu_pct: cpuRedis,
        server_all_cpu_pct: cpuA + cpuB + cpuRedis,
      });
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message + exitedOutput([...started, redis], [...names, "redis-server"]));
  } finally {
    // the servers first: at a stop each deletes its users and nicknames in Redis
    await Promise.all(started.map((s) => s.stop()));
    await redis.stop();
  }
}

/** The `redis-chat` scenario. */
export const redisChat: VariantScenario = {
  id: "redis-chat",
  title:
    `chat across two servers through Redis, one room of ${CONNS} clients, ${SENDERS} senders x ${RATE} lines/s`,
  variants: [
    { id: ONE_SERVER, label: "1 server" },
    {
      id: TWO_SERVERS,
      label: "2 servers + Redis",
      compareWith: { variant: ONE_SERVER, label: "vs 1 server" },
    },
  ],
  metrics: [
    { key: "dps", label: "delivered lines/s", better: "higher", digits: 0, ratio: true },
    { key: "p50_ms", label: "p50 latency ms", better: "lower", digits: 2, ratio: true },
    { key: "p99_ms", label: "p99 latency ms", better: "lower", digits: 2, ratio: true },
    { key: "max_ms", label: "max latency ms", better: "lower", digits: 1 },
    { key: "a_dps", label: "A: delivered lines/s", better: "none", digits: 0 },
    { key: "a_p50_ms", label: "A: p50 latency ms", better: "lower", digits: 2 },
    { key: "a_p99_ms", label: "A: p99 latency ms", better: "lower", digits: 2, ratio: true },
    { key: "b_dps", label: "B (via Redis): delivered lines/s", better: "none", digits: 0 },
    { key: "b_p50_ms", label: "B (via Redis): p50 latency ms", better: "lower", digits: 2 },
    { key: "b_p99_ms", label: "B (via Redis): p99 latency ms", better: "lower", digits: 2 },
    { key: "b_max_ms", label: "B (via Redis): max latency ms", better: "lower", digits: 1 },
    { key: "lost", label: "lost", better: "lower", digits: 0 },
    { key: "reordered", label: "reordered", better: "lower", digits: 0 },
    { key: "corrupt", label: "corrupt", better: "lower", digits: 0 },
    { key: "server_a_cpu_pct", label: "server A CPU %", better: "none", digits: 0 },
    { key: "server_b_cpu_pct", label: "server B CPU %", better: "none", digits: 0 },
    { key: "redis_cpu_pct", label: "Redis CPU %", better: "none", digits: 0 },
    {
      key: "server_all_cpu_pct",
      label: "server side CPU % (A + B + Redis)",
      better: "lower",
      digits: 0,
      ratio: true,
    },
    LOADGEN_CPU,
    OTHER_CPU,
  ],
  notes: [
    "chat-100's load: 10 senders and 45 receivers on server A, 45 receivers on server B, which " +
    "gets every line through Redis; 1 server: all 100 clients on one echochat without Redis " +
    "(its A rows are all receivers)",
    "echochat A, echochat B and Redis share the server CPU (CPU 0 when pinned), so the Redis " +
    "column pays for three processes on one core; the load generator has its own",
    "settle 2.5 s (not chat-100's 300 ms): join notices, sent at the heartbeat 1-2 s after a " +
    "connect, arrive before the window",
    "lost, reordered and corrupt must be 0; any other chatload error counter makes the run an " +
    "ERROR",
  ],
  runVariant: (ctx, variant, m) =>
    variant.id === ONE_SERVER ? oneServer(ctx, m) : twoServers(ctx, m),
};
