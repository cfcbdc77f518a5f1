/**
 * Scenario `stuck-peers`: 1,000 echo clients push data and never read, while
 * one normal client keeps doing 64-byte round trips. It measures what a peer
 * that does not read costs the server (memory held for it) and everyone else
 * (how long the normal client waits), and whether the server survives it.
 *
 * Every stuck peer writes until its socket blocks or it has pushed
 * {@link STUCK_BYTES} (see `echoload --mode stuck`), so the whole load is
 * bounded (about 1 GiB in kernel buffers and the server together); the
 * server's RSS is watched every 100 ms and the window ends at once if it
 * passes {@link STUCK_RSS_LIMIT_BYTES}. At the end of the window the stuck
 * peers close with a reset, which frees everything the server holds.
 *
 * @module
 */
import { num, runLoad } from "./loadgen.ts";
import { sample, sleep } from "./procstat.ts";
import { C_EPOLL, ECHOCHAT, FAIR_REACTOR, NODE_NET } from "./servers.ts";
import {
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
  settledRss,
} from "./scenario_kit.ts";

/** Stuck peers (fewer when the open-file limit is lower). */
export const STUCK_PEERS = 1000;
/** Most bytes one stuck peer pushes: bounds the load (1,000 x 1 MiB). */
export const STUCK_BYTES = 1024 * 1024;
/** Server RSS at which the window is cut short, so no server is left with gigabytes. */
export const STUCK_RSS_LIMIT_BYTES = 2 * 1024 ** 3;
/** How often the server's RSS is read during the window (ms). */
const RSS_EVERY_MS = 100;

/** The stuck-peers scenario (echochat, Node net, the fair reactor and C epoll). */
export const stuckPeers: Scenario = {
  id: "stuck-peers",
  title: `stuck peers: ${
    STUCK_PEERS.toLocaleString("en-US")
  } clients push (<= 1 MiB each) and never read, one client does 64-byte round trips`,
  echochatOnly: false,
  servers: [ECHOCHAT, FAIR_REACTOR, NODE_NET, C_EPOLL],
  needsPid: true,
  metrics: [
    {
      key: "max_stall_ms",
      label: "normal client: longest stall ms",
      better: "lower",
      digits: 1,
      ratio: true,
    },
    { key: "p99_ms", label: "normal client: p99 ms", better: "lower", digits: 2 },
    { key: "rps", label: "normal client: round trips/s", better: "higher", digits: 0 },
    { key: "kib_per_peer", label: "server KiB per stuck peer", better: "lower", digits: 1 },
    { key: "peak_kib_per_peer", label: "peak KiB per stuck peer", better: "lower", digits: 1 },
    { key: "server_up", label: "server up at the end (1 = yes)", better: "higher", digits: 0 },
    { key: "peers", label: "stuck peers", better: "none", digits: 0 },
    { key: "blocked", label: "stuck peers blocked", better: "none", digits: 0 },
    { key: "capped", label: "stuck peers that pushed all", better: "none", digits: 0 },
    { key: "closed", label: "stuck peers closed by server", better: "none", digits: 0 },
    { key: "pushed_mib", label: "MiB pushed by stuck peers", better: "none", digits: 0 },
    { key: "last_push_s", label: "last byte pushed, s into window", better: "none", digits: 2 },
    { key: "tcp_mem_mib", label: "kernel TCP memory MiB at end", better: "none", digits: 0 },
    SERVER_CPU,
    LOADGEN_CPU,
    OTHER_CPU,
  ],
  run: async (ctx, server, m) => {
    const pid = server.pid;
    if (pid === undefined) throw new Error("needs the server's pid");
    const peers = Math.max(10, Math.min(STUCK_PEERS, ctx.fileLimit - 200));
    if (peers < STUCK_PEERS) {
      m.warnings.push(`${peers} stuck peers: the open-file hard limit is ${ctx.fileLimit}`);
    }
    await sleep(300);
    const rss0 = await settledRss(pid);
    let peak = rss0;
    let last = rss0;
    const cpu = serverCpuProbe(server, ctx.durationS);
    const run = await runLoad(
      ctx.tools.echoload,
      [
        ...echoArgs(server, "stuck", peers, 64, ctx.durationS),
        "--stuck-bytes",
        String(STUCK_BYTES),
      ],
      loadOptions(ctx, (ctx.durationS + 90) * 1000, async (_line, endWindow) => {
        const probe = cpu.onReady().catch(() => {}); // fails only if the server exited
        const t0 = performance.now();
        while (performance.now() - t0 < ctx.durationS * 1000 - RSS_EVERY_MS) {
          let rss: number;
          try {
            rss = (await sample(pid)).rssBytes;
          } catch {
            break; // the server exited
          }
          last = rss;
          peak = Math.max(peak, rss);
          if (rss > STUCK_RSS_LIMIT_BYTES) {
            endWindow();
            m.warnings.push(
              `server RSS passed ${STUCK_RSS_LIMIT_BYTES / 1024 ** 3} GiB: window ended early`,
            );
            break;
          }
          await sleep(RSS_EVERY_MS);
        }
        await probe;
      }),
    );
    m.raw = run.result;
    const r = run.result;
    let up = !server.exited();
    if (up) up = await sample(pid).then(() => true, () => false);
    Object.assign(m.metrics, {
      max_stall_ms: num(r, "max_stall_us") / 1000,
      p99_ms: num(r, "p99_us") / 1000,
      rps: num(r, "rps"),
      kib_per_peer: (last - rss0) / peers / 1024,
      peak_kib_per_peer: (peak - rss0) / peers / 1024,
      server_up: up && num(r, "normal_open_at_end") === 1 ? 1 : 0,
      peers,
      blocked: num(r, "stuck_blocked"),
      capped: num(r, "stuck_capped"),
      closed: num(r, "stuck_closed_by_server"),
      pushed_mib: num(r, "stuck_pushed_bytes") / 1048576,
      last_push_s: num(r, "stuck_last_write_s"),
      tcp_mem_mib: num(r, "tcp_mem_kib") / 1024,
    });
    loadgenCpu(m, r);
    cpu.fill(m, num(r, "client_cpu_pct"));
    const cap = num(r, "stuck_bytes");
    if (cap < STUCK_BYTES) {
      m.warnings.push(
        `each stuck peer pushed at most ${(cap / 1024).toFixed(0)} KiB: ` +
          "more would pass the kernel's TCP memory threshold (tcp_mem) on this machine",
      );
    }
    if (!up) throw new Error("the server did not survive the stuck peers");
    checkErrors(run, ECHO_ERROR_KEYS, peers + 1);
  },
};
