/**
 * Why the UDP echo did not answer a datagram, each counted:
 *
 * - `service-port`: it came from a port that a reply must never go to (see `reflection_guard.ts`).
 * - `bad-source`: its source address cannot be a real sender (unspecified, broadcast, multicast).
 * - `rate-limit`: its source address is over its token bucket.
 * - `oversize`: it was longer than the largest datagram echoed.
 * - `send-failed`: the operating system refused to send the reply.
 */
export const UDP_DROP_REASONS = [
  "service-port",
  "bad-source",
  "rate-limit",
  "oversize",
  "send-failed",
] as const;

/** One of {@link UDP_DROP_REASONS}. */
export type UdpDropReason = typeof UDP_DROP_REASONS[number];

/** What the UDP echo reports about itself (for metrics and the status page). */
export interface UdpStats {
  /** The bound address, e.g. `127.0.0.1:8877`. */
  address: string;
  /** Datagrams received, answered or not. */
  datagramsIn: number;
  /** Datagrams echoed. */
  datagramsOut: number;
  /** Payload bytes received (oversize datagrams count up to the largest echoed size + 1). */
  bytesIn: number;
  /** Payload bytes echoed. */
  bytesOut: number;
  /** Datagrams not answered, by reason. */
  dropped: Record<UdpDropReason, number>;
  /** Source addresses whose rate is tracked now. */
  sources: number;
}
