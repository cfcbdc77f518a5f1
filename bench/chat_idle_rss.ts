/**
 * Scenario `chat-idle-rss`: what a chat connection held by a slow typist
 * costs echochat, next to what an idle echo connection costs it in the same
 * server process.
 *
 * The slow typist: after the welcome banner (and the join notices of the
 * others) it types one letter every 2 to 3 s and never presses Enter, like a
 * user composing a long line. Every letter resets the idle timer and grows
 * the half-typed line the server keeps; nothing is broadcast.
 *
 * One echochat process, with its default idle timeout (the reaper runs,
 * nothing is due): N idle echo connections are opened and RSS settles
 * (KiB per echo connection); they stay open while N slow typists connect to
 * the chat port; once every typist has typed at least two letters, RSS
 * settles again (KiB per chat connection). Both costs are increments over
 * memory the process never held before, so neither reuses what the other
 * freed. All users sit in `#lobby`, so connecting N of them also sends about
 * N²/2 join notices, which is part of what a chat user costs.
 *
 * @module
 */
import { num, runLoad } from "./loadgen.ts";
import { cpuBetween, sample, sleep } from "./procstat.ts";
import type { RunningServer } from "./servers.ts";
import {
  checkErrors,
  type Context,
  ECHO_ERROR_KEYS,
  echoArgs,
  loadOptions,
  type Scenario,
  settledRss,
  waitForFds,
} from "./scenario_kit.ts";

/** Connections of each kind (fewer when the open-file limit is lower). */
export const CHAT_IDLE_CONNS = 2000;
/** Seconds into the typing window when every typist has typed two letters (each <= 3 s). */
const MEASURE_AFTER_S = 6;
/** Upper bounds of the two holds; both end as soon as the measurement is done. */
const ECHO_HOLD_S = 120;
const TRICKLE_HOLD_S = 30;
/** Counters of a trickle run that must all be zero. */
const TRICKLE_ERROR_KEYS = [
  "errors",
  "connect_failed",
  "connect_timeout",
  "io_errors",
  "closed_by_server",
  "settle_timed_out",
] as const;

function trickleArgs(server: RunningServer, chatPort: number, conns: number, pid: number) {
  return [
    "--host",
    server.host,
    "--port",
    String(chatPort),
    "--mode",
    "trickle",
    "--conns",
    String(conns),
    "--duration",
    String(TRICKLE_HOLD_S),
    "--trickle-min",
    "2",
    "--trickle-max",
    "3",
    "--need-banner",
    "--server-pid",
    String(pid),
  ];
}

/** Connections of each kind this machine allows (echo + chat + slack within the fd limit). */
function connsFor(ctx: Context): number {
  return Math.max(50, Math.min(CHAT_IDLE_CONNS, Math.floor((ctx.fileLimit - 200) / 2)));
}

/** The chat-idle-rss scenario (echochat only: it needs the chat port). */
export const chatIdleRss: Scenario = {
  id: "chat-idle-rss",
  title: "chat slow typists (a letter every 2-3 s, never a newline) vs idle echo: server memory",
  echochatOnly: true,
  needsPid: true,
  // echochat's defaults, as in idle-rss: the reaper runs, nothing is due
  echochatFlags: ["--idle-timeout", "300", "--heartbeat-interval", "1"],
  metrics: [
    { key: "chat_kib_per_conn", label: "KiB per chat conn (typist)", better: "lower", digits: 1 },
    { key: "echo_kib_per_conn", label: "KiB per idle echo conn", better: "lower", digits: 1 },
    { key: "chat_vs_echo", label: "chat / echo", better: "lower", digits: 2 },
    { key: "conns", label: "connections of each kind", better: "none", digits: 0 },
    { key: "rss_before_mib", label: "RSS before MiB", better: "none", digits: 1 },
    { key: "rss_echo_mib", label: "RSS with echo conns MiB", better: "none", digits: 1 },
    { key: "rss_chat_mib", label: "RSS with echo + chat MiB", better: "lower", digits: 1 },
    { key: "notices_mib", label: "banner + join notices MiB", better: "none", digits: 1 },
    { key: "letters", label: "letters typed", better: "none", digits: 0 },
    { key: "typing_cpu_pct", label: "server CPU % while typing", better: "lower", digits: 2 },
  ],
  run: async (ctx, server, m) => {
    const pid = server.pid;
    const chatPort = server.chatPort;
    if (pid === undefined || chatPort === undefined) throw new Error("needs echochat's pid");
    const conns = connsFor(ctx);
    if (conns < CHAT_IDLE_CONNS) {
      m.warnings.push(
        `${conns} connections of each kind: the open-file hard limit is ${ctx.fileLimit}`,
      );
    }
    await sleep(300);
    const rss0 = await settledRss(pid);
    const fd0 = (await sample(pid)).fds;
    let measured = false;
    const echo = await runLoad(
      ctx.tools.echoload,
      echoArgs(server, "idle", conns, 64, ECHO_HOLD_S),
      loadOptions(ctx, (ECHO_HOLD_S + 90) * 1000, async (_line, endEcho) => {
        try {
          if (await waitForFds(pid, fd0, conns, 20_000) < conns) {
            throw new Error("the server did not accept every echo connection");
          }
          const rssEcho = await settledRss(pid);
          const trickle = await runLoad(
            ctx.tools.echoload,
            trickleArgs(server, chatPort, conns, pid),
            loadOptions(ctx, (TRICKLE_HOLD_S + 90) * 1000, async (_l, endTrickle) => {
              try {
                const t0 = performance.now();
                const a = await sample(pid);
                if (await waitForFds(pid, fd0, 2 * conns, 10_000) < 2 * conns) {
                  throw new Error("the server did not accept every chat connection");
                }
                await sleep(MEASURE_AFTER_S * 1000 - (performance.now() - t0));
                const rssChat = await settledRss(pid);
                const b = await sample(pid);
                if (b.fds - fd0 < 2 * conns) {
                  throw new Error("connections were closed before RSS settled");
                }
                Object.assign(m.metrics, {
                  chat_kib_per_conn: (rssChat - rssEcho) / conns / 1024,
                  echo_kib_per_conn: (rssEcho - rss0) / conns / 1024,
                  chat_vs_echo: (rssChat - rssEcho) / (rssEcho - rss0),
                  conns,
                  rss_before_mib: rss0 / 1048576,
                  rss_echo_mib: rssEcho / 1048576,
                  rss_chat_mib: rssChat / 1048576,
                  typing_cpu_pct: cpuBetween(a, b) / ((performance.now() - t0) / 1000) * 100,
                });
                measured = true;
              } finally {
                endTrickle();
              }
            }),
          );
          m.raw = trickle.result;
          m.metrics.notices_mib = num(trickle.result, "settle_bytes") / 1048576;
          m.metrics.letters = num(trickle.result, "sent_bytes");
          checkErrors(trickle, TRICKLE_ERROR_KEYS, conns);
        } finally {
          endEcho();
        }
      }),
    );
    checkErrors(echo, [...ECHO_ERROR_KEYS, "closed_by_server"], conns);
    if (!measured) throw new Error("the connections were closed before RSS was measured");
  },
};
