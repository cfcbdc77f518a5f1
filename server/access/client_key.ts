/**
 * Which peers count as one client for per-address limits.
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import type { IpAddress } from "./cidr.ts";

/** Leading bits of an IPv6 address that name one client: a /64, one LAN or subscriber. */
export const IPV6_CLIENT_PREFIX = 64;

/**
 * The key under which per-address limits count `address`: the IPv4
 * address itself, or the /64 an IPv6 address is in (`2001:db8:1:2::/64`).
 *
 * An IPv6 host is normally given a whole /64 and can pick any of its 2^64
 * addresses for each connection, so a limit per /128 would limit nothing.
 * A /64 is what one IPv4 address behind a NAT stands for: one home, office
 * or phone. IPv4-mapped peers arrive here as IPv4 (see `parsePeerAddress`),
 * so a client counts the same whether it reaches a `::` or a `0.0.0.0`
 * listener.
 */
export function clientKey(address: IpAddress): string {
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts; // 8 parts of 16 bits: the /64 is the first 4
  const network = new ipaddr.IPv6([...parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toString()}/${IPV6_CLIENT_PREFIX}`;
}
