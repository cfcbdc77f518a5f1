/**
 * Pass/fail against the performance targets of the issue "Performance:
 * deno task bench against baselines in one run".
 *
 * @module
 */
import { REAP_HEARTBEAT_S, REAP_SLACK_S, REAP_TIMEOUT_S } from "./scenarios.ts";
import { C_EPOLL, DENO_LOOP, ECHOCHAT, NODE_NET } from "./servers.ts";
import type { Measurement, TargetVerdict } from "./types.ts";

/** Finds the ok value of `metric` for `server` in `scenario`, or undefined. */
function value(
  results: readonly Measurement[],
  scenario: string,
  server: string,
  metric: string,
): number | undefined {
  const m = results.find((r) => r.scenario === scenario && r.server === server);
  if (m === undefined || m.status !== "ok") return undefined;
  const v = m.metrics[metric];
  return v === undefined || !Number.isFinite(v) ? undefined : v;
}

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

/** Checks every target that the measured results allow. */
export function evaluateTargets(results: readonly Measurement[]): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const both = (a: number | undefined, b: number | undefined) => a !== undefined && b !== undefined;

  for (const [base, label] of [[DENO_LOOP, "plain Deno loop"], [NODE_NET, "Node net"]] as const) {
    const e = value(results, "pingpong-50", ECHOCHAT, "rps");
    const b = value(results, "pingpong-50", base, "rps");
    out.push(verdict(
      `pingpong-50-vs-${base}`,
      `ping-pong 50 conns: echochat rps >= 1.0x ${label}`,
      both(e, b) ? e! >= b! : undefined,
      `${f(e)} vs ${f(b)} rps${both(e, b) ? ` (${(e! / b!).toFixed(2)}x)` : ""}`,
    ));
  }

  {
    const e = value(results, "pingpong-1000", ECHOCHAT, "p99_ms");
    const c = value(results, "pingpong-1000", C_EPOLL, "p99_ms");
    out.push(verdict(
      "pingpong-1000-p99-vs-c",
      "ping-pong 1000 conns: echochat p99 <= 3x C epoll p99",
      both(e, c) ? e! <= 3 * c! : undefined,
      `${f(e, 2)} vs ${f(c, 2)} ms${both(e, c) ? ` (${(e! / c!).toFixed(2)}x)` : ""}`,
    ));
    const starved = value(results, "pingpong-1000", ECHOCHAT, "starved_1s");
    const min = value(results, "pingpong-1000", ECHOCHAT, "conn_rtts_min");
    out.push(verdict(
      "pingpong-1000-no-starvation",
      "ping-pong 1000 conns: no connection without a round trip in any whole second",
      starved === undefined ? undefined : starved === 0,
      `${f(starved)} starved, fewest round trips on one conn ${f(min)}`,
    ));
  }

  {
    const e = value(results, "stream", ECHOCHAT, "mbps");
    const b = value(results, "stream", DENO_LOOP, "mbps");
    out.push(verdict(
      "stream-vs-deno-loop",
      "stream 10 conns: echochat MB/s >= 0.95x plain Deno loop",
      both(e, b) ? e! >= 0.95 * b! : undefined,
      `${f(e)} vs ${f(b)} MB/s${both(e, b) ? ` (${(e! / b!).toFixed(2)}x)` : ""}`,
    ));
  }

  {
    const e = value(results, "idle-rss", ECHOCHAT, "kib_per_conn");
    out.push(verdict(
      "idle-rss",
      "idle connections: echochat <= 6 KiB per connection",
      e === undefined ? undefined : e <= 6,
      `${f(e, 1)} KiB/conn`,
    ));
  }

  {
    const conns = value(results, "idle-reaping", ECHOCHAT, "conns");
    const closed = value(results, "idle-reaping", ECHOCHAT, "closed");
    const first = value(results, "idle-reaping", ECHOCHAT, "first_close_s");
    const last = value(results, "idle-reaping", ECHOCHAT, "last_close_s");
    const limit = REAP_TIMEOUT_S + REAP_HEARTBEAT_S;
    const ok = conns !== undefined && closed !== undefined && first !== undefined &&
        last !== undefined
      ? closed === conns && first >= REAP_TIMEOUT_S - 0.05 && last <= limit + REAP_SLACK_S
      : undefined;
    out.push(verdict(
      "idle-reaping-timing",
      `idle reaping: all closed between the timeout (${REAP_TIMEOUT_S} s) and timeout + ` +
        `heartbeat (${limit} s, +${REAP_SLACK_S} s slack)`,
      ok,
      `${f(closed)} of ${f(conns)} closed, ${f(first, 2)}..${f(last, 2)} s after connect`,
    ));
    const reaping = value(results, "idle-reaping", ECHOCHAT, "idle_cpu_pct");
    const rss = value(results, "idle-rss", ECHOCHAT, "idle_cpu_pct");
    const cpu = reaping ?? rss;
    const source = reaping !== undefined
      ? "idle-reaping, before the first close"
      : "idle-rss, 10,000 idle conns, --idle-timeout 300";
    out.push(verdict(
      "idle-cpu",
      "idle connections: server CPU < 1 % of a core while idle before the timeout",
      cpu === undefined ? undefined : cpu < 1,
      `${f(cpu, 2)} % (${source})`,
    ));
  }
  return out;
}
