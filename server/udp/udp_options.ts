/** Settings of the UDP echo service. */
export interface UdpEchoOptions {
  /** Datagrams per second one source address may have echoed, on average. @default 50 */
  ratePerSecond: number;
  /** Datagrams one source address may have echoed in a burst. @default 100 */
  burst: number;
  /**
   * Largest datagram echoed, in bytes. Larger ones are dropped whole and
   * counted (`oversize`): a truncated echo would not be the datagram sent.
   * @default 1472
   */
  maxDatagramBytes: number;
  /** Most source addresses whose rate is tracked at once (least recently seen go first). @default 4096 */
  maxSources: number;
}

/**
 * The defaults of {@link UdpEchoOptions}, defined once.
 *
 * 1472 bytes is what one unfragmented UDP datagram carries over IPv4 on
 * Ethernet (1500 - 20 - 8): an echo never needs IP fragmentation, whose
 * reassembly is a classic attack surface and whose loss loses the whole
 * datagram anyway. 50 per second with bursts of 100 is far above what a
 * person with `nc -u` or a ping-style probe sends, and far below what makes
 * the service useful as a reflector.
 */
export const DEFAULT_UDP_OPTIONS: Readonly<UdpEchoOptions> = Object.freeze({
  ratePerSecond: 50,
  burst: 100,
  maxDatagramBytes: 1472,
  maxSources: 4096,
});
