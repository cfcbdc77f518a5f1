/**
 * Access control at accept time: allow and deny lists, a cap on open
 * connections per client and a per-client rate of new connections. The
 * reactor asks it about every accepted connection before a byte is read.
 *
 * @module
 */
import type { Admission, Clock } from "../../reactor/mod.ts";
import { type Cidr, type IpAddress, matchesAny, parsePeerAddress } from "./cidr.ts";
import { clientKey } from "./client_key.ts";
import { ConnectionRate, DEFAULT_MAX_TRACKED } from "./connection_rate.ts";

/**
 * Why a connection was refused, as the reactor counts and logs it:
 * - `denied`: the peer is in `--deny`;
 * - `not-allowed`: there is an `--allow` list and the peer is not in it;
 * - `rate-limit`: the client opened connections faster than `--connection-rate`;
 * - `per-ip-limit`: the client has `--max-connections-per-ip` connections open.
 */
export type RefusalReason = "denied" | "not-allowed" | "rate-limit" | "per-ip-limit";

/** Every {@link RefusalReason}, in the order they are checked. */
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  "denied",
  "not-allowed",
  "rate-limit",
  "per-ip-limit",
];

/** Settings of an {@link AccessPolicy}. */
export interface AccessPolicyOptions {
  /** Only peers in these ranges may connect; empty means everyone not denied. @default [] */
  allow?: readonly Cidr[];
  /** Peers in these ranges may not connect, even if allowed. @default [] */
  deny?: readonly Cidr[];
  /** Most connections open at once per client, across listeners; 0 means no limit. @default 0 */
  maxConnectionsPerIp?: number;
  /** New connections per second per client on average; 0 means no limit. @default 0 */
  connectionRate?: number;
  /** New connections per client at once; at least 1. @default connectionRate */
  connectionBurst?: number;
  /** Most clients the rate limit remembers at once. @default 10000 */
  maxTrackedClients?: number;
  /** Monotonic milliseconds, for the rate limit. @default performance.now */
  now?: Clock;
}

/** Counters of an {@link AccessPolicy}, for metrics and the stop line. */
export interface AccessStats {
  /** Connections refused, by reason. */
  refused: Record<RefusalReason, number>;
  /** Clients with at least one connection open (0 when there is no per-client cap). */
  clientsOpen: number;
  /** Clients the rate limit remembers now (0 when there is no rate limit). */
  clientsTracked: number;
}

/**
 * An {@link Admission} policy. Checks, in order: deny list (deny wins over
 * allow), allow list, rate of new connections, open connections. A client
 * is an IPv4 address or an IPv6 /64 (see `clientKey`); IPv4-mapped IPv6
 * peers are IPv4 for every check.
 *
 * Cost per accept: one parse of the peer's address, O(rules) matching, and
 * O(1) map work for the two limits. Memory: one entry per client with open
 * connections (so at most `--max-connections`), plus at most
 * `maxTrackedClients` rate buckets.
 */
export class AccessPolicy implements Admission {
  readonly #allow: readonly Cidr[];
  readonly #deny: readonly Cidr[];
  readonly #maxPerClient: number;
  readonly #rate: ConnectionRate | null;
  readonly #rateSettings: { ratePerSecond: number; burst: number };
  readonly #open = new Map<string, number>();
  readonly #refused: Record<RefusalReason, number> = {
    "denied": 0,
    "not-allowed": 0,
    "rate-limit": 0,
    "per-ip-limit": 0,
  };

  /** @throws {RangeError} for negative limits or a burst under 1 */
  constructor(options: AccessPolicyOptions = {}) {
    this.#allow = [...(options.allow ?? [])];
    this.#deny = [...(options.deny ?? [])];
    const maxPerClient = options.maxConnectionsPerIp ?? 0;
    if (!(Number.isInteger(maxPerClient) && maxPerClient >= 0)) {
      throw new RangeError(`maxConnectionsPerIp must be a whole number >= 0, got ${maxPerClient}`);
    }
    this.#maxPerClient = maxPerClient;
    const ratePerSecond = options.connectionRate ?? 0;
    if (!(ratePerSecond >= 0)) {
      throw new RangeError(`connectionRate must be >= 0, got ${ratePerSecond}`);
    }
    const burst = options.connectionBurst ?? Math.max(1, ratePerSecond);
    this.#rateSettings = { ratePerSecond, burst };
    this.#rate = ratePerSecond === 0 ? null : new ConnectionRate({
      ratePerSecond,
      burst,
      maxTracked: options.maxTrackedClients ?? DEFAULT_MAX_TRACKED,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }

  /** Whether this policy can ever refuse anyone (if not, it need not be installed). */
  get active(): boolean {
    return this.#allow.length > 0 || this.#deny.length > 0 || this.#maxPerClient > 0 ||
      this.#rate !== null;
  }

  /** Returns `null` to admit `peer`, else a {@link RefusalReason}. */
  admit(_listener: string, peer: Deno.Addr): RefusalReason | null {
    const reason = this.#check(peer);
    if (reason !== null) this.#refused[reason]++;
    return reason;
  }

  /** An admitted connection from `peer` closed: it no longer counts against its client. */
  release(_listener: string, peer: Deno.Addr): void {
    if (this.#maxPerClient === 0) return;
    const address = addressOf(peer);
    if (address === null) return;
    const key = clientKey(address);
    const open = this.#open.get(key);
    if (open === undefined) return;
    if (open <= 1) this.#open.delete(key);
    else this.#open.set(key, open - 1);
  }

  /** Refusals by reason and the clients tracked. */
  stats(): AccessStats {
    return {
      refused: { ...this.#refused },
      clientsOpen: this.#open.size,
      clientsTracked: this.#rate?.tracked ?? 0,
    };
  }

  /**
   * Why a refusal happened, for a log line ("2 connections from it are
   * open (--max-connections-per-ip)"); `undefined` for a reason that is not
   * this policy's (such as the reactor's own `limit`).
   */
  describe(reason: string): string | undefined {
    const { ratePerSecond, burst } = this.#rateSettings;
    switch (reason) {
      case "denied":
        return "the address is in --deny";
      case "not-allowed":
        return "the address is not in --allow";
      case "rate-limit":
        return `more than ${burst} new connections at once or ${ratePerSecond} per second from it (--connection-rate, --connection-burst)`;
      case "per-ip-limit":
        return `${this.#maxPerClient} connections from it are open (--max-connections-per-ip)`;
      default:
        return undefined;
    }
  }

  #check(peer: Deno.Addr): RefusalReason | null {
    const address = addressOf(peer);
    if (address === null) {
      // Not an IP peer: no list can name it, so only an allow list keeps it out.
      return this.#allow.length > 0 ? "not-allowed" : null;
    }
    if (matchesAny(this.#deny, address)) return "denied";
    if (this.#allow.length > 0 && !matchesAny(this.#allow, address)) return "not-allowed";
    if (this.#rate === null && this.#maxPerClient === 0) return null;
    const key = clientKey(address);
    if (this.#rate !== null && !this.#rate.tryTake(key)) return "rate-limit";
    if (this.#maxPerClient > 0) {
      const open = this.#open.get(key) ?? 0;
      if (open >= this.#maxPerClient) return "per-ip-limit";
      this.#open.set(key, open + 1);
    }
    return null;
  }
}

/** The IP address of a TCP or UDP peer, else `null`. */
function addressOf(peer: Deno.Addr): IpAddress | null {
  if (peer.transport !== "tcp" && peer.transport !== "udp") return null;
  return parsePeerAddress(peer.hostname);
}
