import process from "node:process";
import { Counter, Gauge, Registry } from "prom-client";
import { VERSION } from "../version.ts";
import { UDP_DROP_REASONS } from "../udp/udp_stats.ts";
import type { FigureSources } from "./figure_sources.ts";

/** Label values of one series, and its value. */
type Series = [labels: Record<string, string>, value: number];

/** One metric: its type, name, help, labels and how to read its series at scrape time. */
export interface MetricSpec {
  type: "gauge" | "counter";
  name: string;
  help: string;
  labels?: string[];
  read: () => Series[];
}

/** The process start, Unix seconds (the time origin of `performance`). */
const START_TIME_SECONDS = performance.timeOrigin / 1000;

/**
 * The metrics of one server process, in the order `/metrics` lists them.
 * Every value is read when it is asked for, from {@link FigureSources}.
 * Metrics of the chat and of UDP echo are left out when those are off.
 *
 * Per-room user counts are not exported: room names are chosen by users,
 * so as label values they would grow the series without bound. The status
 * page shows them instead.
 */
export function metricSpecs(sources: FigureSources): MetricSpec[] {
  const listeners = () => sources.reactor.stats();
  type Listener = ReturnType<typeof listeners>[number];
  const perListener = (value: (l: Listener) => number) => () =>
    listeners().map((l): Series => [{ listener: l.name }, value(l)]);
  const one = (value: () => number) => (): Series[] => [[{}, value()]];
  const chat = sources.chat;
  const udp = sources.udp;

  return [
    {
      type: "gauge",
      name: "echochat_connections_open",
      help: "Connections open now (closing ones included until their socket closes).",
      labels: ["listener"],
      read: perListener((l) => l.open),
    },
    {
      type: "counter",
      name: "echochat_connections_accepted_total",
      help: "Connections accepted.",
      labels: ["listener"],
      read: perListener((l) => l.accepted),
    },
    {
      type: "counter",
      name: "echochat_connections_refused_total",
      help: "Connections refused at accept time, by reason (limit: --max-connections was reached).",
      labels: ["listener", "reason"],
      read: () => {
        const counts = sources.refusals.counts();
        const series = counts.map((c): Series => [
          { listener: c.listener, reason: c.reason },
          c.count,
        ]);
        for (const l of listeners()) {
          if (!counts.some((c) => c.listener === l.name && c.reason === "limit")) {
            series.push([{ listener: l.name, reason: "limit" }, 0]);
          }
        }
        return series;
      },
    },
    {
      type: "counter",
      name: "echochat_connections_closed_total",
      help: "Connections closed, by reason (eof, reset, error, idle, shutdown, server, " +
        "slow-consumer).",
      labels: ["listener", "reason"],
      read: () =>
        listeners().flatMap((l) =>
          Object.entries(l.closed).map(([reason, n]): Series => [{ listener: l.name, reason }, n])
        ),
    },
    {
      type: "counter",
      name: "echochat_received_bytes_total",
      help: "Bytes received on the listener's connections.",
      labels: ["listener"],
      read: perListener((l) => l.bytesIn),
    },
    {
      type: "counter",
      name: "echochat_sent_bytes_total",
      help: "Bytes written to the listener's connections.",
      labels: ["listener"],
      read: perListener((l) => l.bytesOut),
    },
    ...(chat === null ? [] : [
      {
        type: "gauge",
        name: "echochat_chat_users",
        help: "Chat users online.",
        read: one(() => chat().users),
      },
      {
        type: "gauge",
        name: "echochat_chat_rooms",
        help: "Chat rooms (the lobby always counts, other rooms while someone is in them).",
        read: one(() => chat().rooms.length),
      },
      {
        type: "counter",
        name: "echochat_chat_lines_relayed_total",
        help: "Chat lines said in rooms (plain lines and /me).",
        read: one(() => chat().linesRelayed),
      },
    ] satisfies MetricSpec[]),
    ...(udp === null ? [] : [
      {
        type: "counter",
        name: "echochat_udp_datagrams_received_total",
        help: "UDP datagrams received on the echo port, answered or not.",
        read: one(() => udp().datagramsIn),
      },
      {
        type: "counter",
        name: "echochat_udp_datagrams_sent_total",
        help: "UDP datagrams echoed.",
        read: one(() => udp().datagramsOut),
      },
      {
        type: "counter",
        name: "echochat_udp_received_bytes_total",
        help: "UDP payload bytes received.",
        read: one(() => udp().bytesIn),
      },
      {
        type: "counter",
        name: "echochat_udp_sent_bytes_total",
        help: "UDP payload bytes echoed.",
        read: one(() => udp().bytesOut),
      },
      {
        type: "counter",
        name: "echochat_udp_datagrams_dropped_total",
        help: "UDP datagrams not echoed, by reason (service-port, bad-source, rate-limit, " +
          "oversize, send-failed).",
        labels: ["reason"],
        read: () => {
          const dropped = udp().dropped;
          return UDP_DROP_REASONS.map((reason): Series => [{ reason }, dropped[reason]]);
        },
      },
      {
        type: "gauge",
        name: "echochat_udp_sources",
        help: "Source addresses whose UDP echo rate is tracked now.",
        read: one(() => udp().sources),
      },
    ] satisfies MetricSpec[]),
    {
      type: "gauge",
      name: "echochat_dispatcher_backlog",
      help: "Connections waiting for the reactor's dispatcher to serve them.",
      read: one(() => sources.reactor.backlog),
    },
    {
      type: "gauge",
      name: "echochat_output_queued_bytes",
      help: "Bytes of output queued for all connections and not yet written.",
      read: one(() => sources.reactor.queuedBytes),
    },
    {
      type: "gauge",
      name: "echochat_event_loop_lag_seconds",
      help: "How late the latest event-loop probe timer fired (measured every 0.5 s).",
      read: one(() => sources.lag.latestSeconds),
    },
    {
      type: "gauge",
      name: "echochat_event_loop_lag_max_seconds",
      help: "The largest event-loop lag measured in the last minute.",
      read: one(() => sources.lag.maxSeconds),
    },
    {
      type: "gauge",
      name: "process_resident_memory_bytes",
      help: "Resident memory size in bytes.",
      read: one(() => Deno.memoryUsage().rss),
    },
    {
      type: "gauge",
      name: "echochat_heap_used_bytes",
      help: "JavaScript heap in use, in bytes.",
      read: one(() => Deno.memoryUsage().heapUsed),
    },
    {
      type: "gauge",
      name: "echochat_heap_total_bytes",
      help: "JavaScript heap reserved, in bytes.",
      read: one(() => Deno.memoryUsage().heapTotal),
    },
    {
      type: "gauge",
      name: "echochat_external_memory_bytes",
      help: "Memory of buffers and other objects outside the JavaScript heap, in bytes.",
      read: one(() => Deno.memoryUsage().external),
    },
    {
      type: "counter",
      name: "process_cpu_seconds_total",
      help: "User and system CPU time spent, in seconds.",
      read: one(() => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1e6;
      }),
    },
    {
      type: "gauge",
      name: "process_start_time_seconds",
      help: "Start time of the process since the Unix epoch, in seconds.",
      read: one(() => START_TIME_SECONDS),
    },
    {
      type: "gauge",
      name: "echochat_build_info",
      help: "Always 1; the version is a label.",
      labels: ["version"],
      read: () => [[{ version: VERSION }, 1]],
    },
  ];
}

/**
 * The Prometheus registry of one server process (prom-client's default
 * registry is global, so it gets one of its own). Each metric reads its
 * series in a `collect` callback at scrape time; counters are set from the
 * running totals that the reactor, the chat and UDP echo keep, so there is
 * no second bookkeeping that could drift from them.
 */
export function createMetricsRegistry(sources: FigureSources): Registry {
  const registry = new Registry();
  for (const spec of metricSpecs(sources)) {
    const common = { name: spec.name, help: spec.help, labelNames: spec.labels ?? [] };
    if (spec.type === "gauge") {
      new Gauge({
        ...common,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, value] of spec.read()) this.set(labels, value);
        },
      });
    } else {
      new Counter({
        ...common,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, value] of spec.read()) this.inc(labels, value);
        },
      });
    }
  }
  return registry;
}
