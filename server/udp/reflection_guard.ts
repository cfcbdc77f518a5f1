import type { UdpDropReason } from "./udp_stats.ts";

/**
 * Source ports above 1023 that a reply must never go to: UDP services that
 * answer whatever reaches them and are known reflectors and amplifiers
 * (CISA alert TA14-017A and the amplification reports after it), plus NFS.
 */
const HIGH_SERVICE_PORTS: ReadonlySet<number> = new Set([
  1434, // Microsoft SQL Server browser
  1900, // SSDP (UPnP discovery)
  2049, // NFS: trusts clients by their port (OpenBSD inetd refuses it too)
  3283, // Apple Remote Desktop
  3702, // WS-Discovery
  5353, // multicast DNS
  5683, // CoAP
  10001, // Ubiquiti discovery
  11211, // memcached
  27015, // Steam / Source engine queries
  27960, // Quake 3 servers
  33848, // Jenkins auto-discovery
  37810, // DVR DHDiscover
]);

/** Ports below this are the well-known and privileged ones. */
const FIRST_UNPRIVILEGED_PORT = 1024;

/**
 * Whether a datagram may be answered at all, judged by where the answer
 * would go; `null` when it may.
 *
 * An echo server answers whatever address a datagram claims to come from,
 * and a UDP source address is easily forged. Two services that answer
 * everything never stop answering each other (CVE-1999-0103, the "UDP
 * packet storm": echo and chargen, or two echoes), and a single forged
 * datagram starts them; one that names a victim's service turns us into a
 * reflector. So no reply goes to:
 *
 * - any port below 1024 (OpenBSD inetd's `dg_badinput` rule). Every
 *   classic unconditional responder lives there: 0 (no reply wanted, RFC
 *   768), 7 echo, 9 discard, 13 daytime, 17 qotd, 19 chargen, 37 time, and
 *   the amplifiers 53 DNS, 69 TFTP, 111 portmap, 123 NTP, 137 NetBIOS, 161
 *   SNMP, 389 CLDAP, 520 RIP. Real clients send from ephemeral ports, so
 *   nothing legitimate is lost; a list of only the famous ports (NetBSD
 *   refuses 7, 9, 13, 19, 37) would miss the amplifiers.
 * - the known reflectors above 1023 in {@link HIGH_SERVICE_PORTS}
 *   (memcached 11211, SSDP 1900, WS-Discovery 3702, ...) and NFS 2049.
 * - the server's own port: another echochat, or any echo on the same
 *   port, would bounce a forged datagram back and forth for ever (FreeBSD
 *   inetd's `check_loop` refuses its own datagram services' ports alike).
 *
 * Source addresses that cannot be a sender are refused too: unspecified
 * (0.0.0.0/8, `::`), the limited broadcast and multicast.
 *
 * No port list can stop a loop with a responder on an ordinary high port;
 * the per-source rate limit bounds that one.
 */
export function refusedSource(source: Deno.NetAddr, ownPort: number): UdpDropReason | null {
  if (!canBeSender(source.hostname)) return "bad-source";
  const port = source.port;
  if (port < FIRST_UNPRIVILEGED_PORT || port === ownPort || HIGH_SERVICE_PORTS.has(port)) {
    return "service-port";
  }
  return null;
}

/** Whether `hostname` (a numeric IPv4 or IPv6 address) can be a datagram's real sender. */
function canBeSender(hostname: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(hostname);
  const address = mapped?.[1] ?? hostname;
  if (address.includes(":")) {
    const lower = address.toLowerCase();
    return !(lower === "::" || lower.startsWith("ff"));
  }
  const first = Number(address.split(".")[0]);
  return !(first === 0 || first >= 224); // 0/8, multicast 224/4, reserved 240/4 and broadcast
}
