import type { Reactor } from "../../reactor/mod.ts";
import type { ChatStats } from "../chat/chat_node.ts";
import type { UdpStats } from "../udp/udp_stats.ts";
import type { EventLoopLag } from "./event_loop_lag.ts";
import type { RefusalCounter } from "./refusal_counter.ts";

/**
 * Where the metrics and the status page read their figures, at the moment
 * they are asked: the reactor's and the chat's own `stats()`, the UDP
 * echo's counters, and the two things only the server measures (refusal
 * reasons and event-loop lag). Nothing here keeps a second count of what
 * those already count.
 */
export interface FigureSources {
  /** The reactor: listener counters, backlog, queued output, whether it is stopping. */
  reactor: Pick<Reactor, "stats" | "backlog" | "queuedBytes" | "stopping">;
  /** The chat's figures, or `null` when the chat listener is off. */
  chat: (() => ChatStats) | null;
  /** The UDP echo's counters, or `null` when it is off. */
  udp: (() => UdpStats) | null;
  /** Refusals by listener and reason. */
  refusals: Pick<RefusalCounter, "counts">;
  /** Event-loop lag. */
  lag: EventLoopLag;
}
