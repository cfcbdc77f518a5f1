import { getLogger } from "@logtape/logtape";
import { type Clock, formatAddr } from "../../reactor/mod.ts";
import { LogBursts } from "../log_bursts.ts";
import { plural } from "../plural.ts";
import { refusedSource } from "./reflection_guard.ts";
import { SourceLimiter } from "./source_limiter.ts";
import type { UdpEchoOptions } from "./udp_options.ts";
import { UDP_DROP_REASONS, type UdpDropReason, type UdpStats } from "./udp_stats.ts";

const log = getLogger(["echochat", "udp"]);

/** A receive error other than the socket closing: wait this long before the next receive. */
const RECEIVE_ERROR_PAUSE_MS = 100;

/** Where and how {@link UdpEcho.listen} serves. */
export interface UdpEchoListenOptions extends UdpEchoOptions {
  /** Address to bind. */
  hostname: string;
  /** Port to bind (the echo listener's TCP port). */
  port: number;
  /** Milliseconds clock of the rate limits. */
  now: Clock;
}

/**
 * UDP echo (RFC 862): each datagram goes back to its sender unchanged,
 * unless the guards say no (see `reflection_guard.ts`, the per-source
 * {@link SourceLimiter} and the size limit); every datagram not answered
 * is counted by reason.
 *
 * It is one receive loop on one `Deno.listenDatagram` socket, apart from
 * the TCP reactor: a datagram has no connection, no stream to buffer, no
 * idle time and no close, so none of the reactor's machinery applies. The
 * loop awaits each reply's send before the next receive, so the only
 * buffering is the kernel's socket buffer, and one receive buffer is reused.
 */
export class UdpEcho {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  readonly #socket: Deno.DatagramConn;
  readonly #options: UdpEchoListenOptions;
  readonly #limiter: SourceLimiter;
  readonly #bursts: LogBursts;
  readonly #counts = {
    datagramsIn: 0,
    datagramsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    dropped: Object.fromEntries(UDP_DROP_REASONS.map((r) => [r, 0])) as Record<
      UdpDropReason,
      number
    >,
  };
  #closing = false;
  readonly #served: Promise<void>;

  private constructor(socket: Deno.DatagramConn, options: UdpEchoListenOptions) {
    this.#socket = socket;
    this.addr = socket.addr as Deno.NetAddr;
    this.#options = options;
    this.#limiter = new SourceLimiter(options);
    this.#bursts = new LogBursts({ now: options.now });
    this.#served = this.#serve();
  }

  /**
   * Binds `hostname:port` and starts echoing. Throws Deno's bind error
   * (`AddrInUse`, `PermissionDenied`, ...) when it cannot bind.
   */
  static listen(options: UdpEchoListenOptions): UdpEcho {
    const socket = Deno.listenDatagram({
      transport: "udp",
      hostname: options.hostname,
      port: options.port,
    });
    return new UdpEcho(socket, options);
  }

  /** The counters now. */
  stats(): UdpStats {
    const counts = this.#counts;
    return {
      address: formatAddr(this.addr),
      datagramsIn: counts.datagramsIn,
      datagramsOut: counts.datagramsOut,
      bytesIn: counts.bytesIn,
      bytesOut: counts.bytesOut,
      dropped: { ...counts.dropped },
      sources: this.#limiter.size,
    };
  }

  /** Closes the socket; resolves once the receive loop has ended. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      try {
        this.#socket.close();
      } catch {
        // Already closed.
      }
    }
    return this.#served;
  }

  async #serve(): Promise<void> {
    const max = this.#options.maxDatagramBytes;
    // One byte more than the largest echo: a datagram that fills it was longer.
    const buffer = new Uint8Array(max + 1);
    while (!this.#closing) {
      let datagram: Uint8Array;
      let source: Deno.NetAddr;
      try {
        const [bytes, from] = await this.#socket.receive(buffer);
        datagram = bytes;
        source = from as Deno.NetAddr;
      } catch (error) {
        if (this.#closing) return;
        log.warn("Receiving a UDP datagram failed: {error}; retrying", { error });
        await new Promise((resolve) => setTimeout(resolve, RECEIVE_ERROR_PAUSE_MS));
        continue;
      }
      this.#counts.datagramsIn++;
      this.#counts.bytesIn += datagram.length;
      const refusal = datagram.length > max ? "oversize" : refusedSource(source, this.addr.port) ??
        (this.#limiter.allow(source.hostname) ? null : "rate-limit");
      if (refusal !== null) {
        this.#drop(refusal, source);
        continue;
      }
      try {
        await this.#socket.send(datagram, source);
        this.#counts.datagramsOut++;
        this.#counts.bytesOut += datagram.length;
      } catch (error) {
        if (this.#closing) return;
        this.#drop("send-failed", source, error);
      }
    }
  }

  /** Counts a datagram not answered, and logs it once per burst per reason and address. */
  #drop(reason: UdpDropReason, source: Deno.NetAddr, error?: unknown): void {
    this.#counts.dropped[reason]++;
    const count = this.#bursts.note(`${reason}:${source.hostname}`);
    const fields = {
      reason,
      peer: formatAddr(source),
      address: source.hostname,
      count,
      datagrams: plural(count ?? 1, "UDP datagram"),
      error,
    };
    const message = "Not echoed: {datagrams} from {address} ({reason})";
    if (count === null) log.debug(message, fields);
    else log.info(message, fields);
  }
}
