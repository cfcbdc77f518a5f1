import type { ChatStats } from "../chat/chat_node.ts";
import type { UdpStats } from "../udp/udp_stats.ts";
import { NAME, VERSION } from "../version.ts";
import { formatAddr } from "../../reactor/mod.ts";
import type { FigureSources } from "./figure_sources.ts";
import {
  SAMPLE_INTERVAL_MS,
  type TrafficHistory,
  type TrafficSample,
  type TrafficTotals,
} from "./traffic_history.ts";

/** Most rooms `/stats.json` lists (those with the most users); `roomCount` tells how many exist. */
export const MAX_LISTED_ROOMS = 100;

/** One listener's figures in `/stats.json`. */
export interface ListenerStatus {
  name: string;
  /** `host:port`, or `null` for streams added without a listener. */
  address: string | null;
  open: number;
  accepted: number;
  refused: number;
  bytesIn: number;
  bytesOut: number;
  /** Closes by reason. */
  closed: Record<string, number>;
}

/**
 * The document `GET /stats.json` serves and the status page draws: the
 * live figures plus the last minutes of per-second traffic. Field names
 * end in their unit where it is not a plain count.
 */
export interface StatusDocument {
  name: string;
  version: string;
  /** When it was made, Unix time in ms. */
  now: number;
  uptimeSeconds: number;
  /** True once a graceful stop has begun. */
  stopping: boolean;
  listeners: ListenerStatus[];
  /** The chat's figures with at most {@link MAX_LISTED_ROOMS} rooms, or `null` when it is off. */
  chat: (ChatStats & { roomCount: number }) | null;
  /** The UDP echo's counters, or `null` when it is off. */
  udp: UdpStats | null;
  reactor: {
    backlog: number;
    queuedBytes: number;
    eventLoopLagSeconds: number;
    eventLoopLagMaxSeconds: number;
  };
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number };
  history: { intervalSeconds: number; samples: TrafficSample[] };
}

/** The running totals the traffic history samples, summed over every listener and the UDP echo. */
export function trafficTotals(sources: FigureSources): { totals: TrafficTotals; open: number } {
  const totals: TrafficTotals = { bytesIn: 0, bytesOut: 0, chatLines: 0, accepted: 0 };
  let open = 0;
  for (const listener of sources.reactor.stats()) {
    totals.bytesIn += listener.bytesIn;
    totals.bytesOut += listener.bytesOut;
    totals.accepted += listener.accepted;
    open += listener.open;
  }
  const udp = sources.udp?.();
  if (udp !== undefined) {
    totals.bytesIn += udp.bytesIn;
    totals.bytesOut += udp.bytesOut;
  }
  totals.chatLines = sources.chat?.().linesRelayed ?? 0;
  return { totals, open };
}

/** Builds the `/stats.json` document now. */
export function statusDocument(sources: FigureSources, history: TrafficHistory): StatusDocument {
  const chat = sources.chat?.() ?? null;
  const memory = Deno.memoryUsage();
  return {
    name: NAME,
    version: VERSION,
    now: Date.now(),
    uptimeSeconds: performance.now() / 1000,
    stopping: sources.reactor.stopping,
    listeners: sources.reactor.stats().map((l) => ({
      name: l.name,
      address: l.addr === null ? null : formatAddr(l.addr),
      open: l.open,
      accepted: l.accepted,
      refused: l.refused,
      bytesIn: l.bytesIn,
      bytesOut: l.bytesOut,
      closed: l.closed,
    })),
    chat: chat === null ? null : {
      ...chat,
      rooms: [...chat.rooms]
        .sort((a, b) => b.users - a.users || a.name.localeCompare(b.name))
        .slice(0, MAX_LISTED_ROOMS),
      roomCount: chat.rooms.length,
    },
    udp: sources.udp?.() ?? null,
    reactor: {
      backlog: sources.reactor.backlog,
      queuedBytes: sources.reactor.queuedBytes,
      eventLoopLagSeconds: sources.lag.latestSeconds,
      eventLoopLagMaxSeconds: sources.lag.maxSeconds,
    },
    memory: {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
    },
    history: { intervalSeconds: SAMPLE_INTERVAL_MS / 1000, samples: history.samples() },
  };
}
