import assert from "node:assert/strict";
import {
  matchesAny,
  parseCidr,
  parseCidrList,
  parsePeerAddress,
} from "../../server/access/cidr.ts";
import { clientKey } from "../../server/access/client_key.ts";

function peer(hostname: string) {
  const address = parsePeerAddress(hostname);
  assert.ok(address !== null, `${hostname} should parse as a peer`);
  return address;
}

Deno.test("cidr: parses IPv4 and IPv6 ranges, /0 and bare addresses", () => {
  const cases: [string, string][] = [
    ["10.0.0.0/8", "10.0.0.0/8"],
    ["192.0.2.7", "192.0.2.7/32"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["127.0.0.1/32", "127.0.0.1/32"],
    [" 10.1.2.3/16 ", "10.1.0.0/16"], // host bits cleared, whitespace ignored
    ["2001:db8::/32", "2001:db8::/32"],
    ["2001:DB8:0:0::1", "2001:db8::1/128"],
    ["::1", "::1/128"],
    ["::/0", "::/0"],
    ["fe80::1:2/10", "fe80::/10"],
    ["1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8/128"],
    ["10.0.0.0/08", "10.0.0.0/8"],
  ];
  for (const [text, expected] of cases) assert.equal(parseCidr(text).toString(), expected, text);
});

Deno.test("cidr: IPv4-mapped IPv6 rules are IPv4 rules", () => {
  assert.equal(parseCidr("::ffff:10.0.0.1").toString(), "10.0.0.1/32");
  assert.equal(parseCidr("::ffff:10.0.0.0/104").toString(), "10.0.0.0/8");
  assert.equal(parseCidr("::ffff:0:0/96").toString(), "0.0.0.0/0");
  assert.equal(parseCidr("::ffff:a00:1").toString(), "10.0.0.1/32");
  assert.equal(parseCidr("::ffff:0.0.0.0/96").network.kind(), "ipv4");
});

Deno.test("cidr: rejects what is not an address or range, saying why", () => {
  const cases: [string, RegExp][] = [
    ["10.0.0.0/33", /"10.0.0.0\/33" has a prefix over 32/],
    ["::/129", /"::\/129" has a prefix over 128/],
    ["nonsense", /"nonsense" is not an IPv4 or IPv6 address/],
    ["10.0.0.0/", /needs a prefix length from 0 to 32/],
    ["10.0.0.0/-1", /needs a prefix length/],
    ["10.0.0.0/8/8", /needs a prefix length/],
    ["10.0.0.0/ 8", /needs a prefix length/],
    ["10.0.0.0/1e1", /needs a prefix length/],
    ["256.0.0.1", /not an IPv4 or IPv6/],
    ["10.1/8", /not an IPv4 or IPv6/], // inet_aton shorthand
    ["127.1", /not an IPv4 or IPv6/],
    ["0x7f.0.0.1", /not an IPv4 or IPv6/],
    ["010.0.0.1", /not an IPv4 or IPv6/], // octal to inet_aton, decimal to people
    ["::ffff:0x7f.0.0.1", /not an IPv4 or IPv6/],
    ["::ffff:010.0.0.1", /not an IPv4 or IPv6/],
    ["1::2::3", /not an IPv4 or IPv6/],
    ["1:2:3:4:5:6:7:8:9", /not an IPv4 or IPv6/],
    ["fe80::1%eth0", /not an IPv4 or IPv6/],
    ["[::1]", /not an IPv4 or IPv6/],
    ["localhost", /not an IPv4 or IPv6/],
    ["", /not an IPv4 or IPv6/],
    ["::ffff:0:0/80", /IPv4-mapped range with a prefix under 96: write it as IPv4/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseCidr(text), (error: Error) => {
      assert.ok(error instanceof RangeError, text);
      assert.match(error.message, message, text);
      return true;
    });
  }
});

Deno.test("cidr: lists are comma-separated; empty is none, an empty item is an error", () => {
  assert.deepEqual(parseCidrList("").map(String), []);
  assert.deepEqual(parseCidrList("  ").map(String), []);
  assert.deepEqual(
    parseCidrList("10.0.0.0/8, 192.0.2.7 ,2001:db8::/32").map(String),
    ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"],
  );
  assert.throws(() => parseCidrList("10.0.0.0/8,,::1"), /an item between commas is empty/);
  assert.throws(() => parseCidrList("10.0.0.0/8,"), /empty/);
  assert.throws(() => parseCidrList("10.0.0.0/8,10.0.0.0/33"), /"10.0.0.0\/33" has a prefix/);
});

Deno.test("cidr: matching by prefix, per family", () => {
  const net8 = parseCidr("10.0.0.0/8");
  assert.equal(net8.contains(peer("10.255.1.2")), true);
  assert.equal(net8.contains(peer("11.0.0.0")), false);
  assert.equal(net8.contains(peer("9.255.255.255")), false);
  const single = parseCidr("192.0.2.7");
  assert.equal(single.contains(peer("192.0.2.7")), true);
  assert.equal(single.contains(peer("192.0.2.8")), false);
  assert.equal(parseCidr("0.0.0.0/0").contains(peer("203.0.113.9")), true);
  const v6 = parseCidr("2001:db8::/32");
  assert.equal(v6.contains(peer("2001:db8:ffff::1")), true);
  assert.equal(v6.contains(peer("2001:db9::1")), false);
  assert.equal(parseCidr("::1").contains(peer("::1")), true);
  // Families never match each other: ::/0 is every IPv6 address, not IPv4.
  assert.equal(parseCidr("::/0").contains(peer("10.0.0.1")), false);
  assert.equal(parseCidr("0.0.0.0/0").contains(peer("::1")), false);
  // An odd prefix length splits a byte.
  const net9 = parseCidr("10.128.0.0/9");
  assert.equal(net9.contains(peer("10.127.255.255")), false);
  assert.equal(net9.contains(peer("10.128.0.0")), true);
});

Deno.test("cidr: IPv4-mapped peers (a :: listener) match IPv4 rules", () => {
  const mapped = peer("::ffff:10.0.0.1");
  assert.equal(mapped.kind(), "ipv4");
  assert.equal(parseCidr("10.0.0.0/8").contains(mapped), true);
  assert.equal(parseCidr("::ffff:10.0.0.0/104").contains(mapped), true);
  assert.equal(parseCidr("::/0").contains(mapped), false);
  assert.equal(
    matchesAny([parseCidr("::1"), parseCidr("127.0.0.0/8")], peer("::ffff:127.0.0.1")),
    true,
  );
});

Deno.test("cidr: peer addresses with a zone match, and non-addresses are null", () => {
  assert.equal(parseCidr("fe80::/10").contains(peer("fe80::1%eth0")), true);
  assert.equal(parsePeerAddress("not-an-address"), null);
  assert.equal(parsePeerAddress("300.1.1.1"), null);
  assert.equal(parsePeerAddress("::ffff:300.1.1.1"), null);
  assert.equal(parsePeerAddress("::FFFF:10.0.0.1")?.toString(), "10.0.0.1");
  assert.equal(parsePeerAddress("::ffff:a00:1")?.toString(), "10.0.0.1");
  assert.equal(parsePeerAddress("0:0:0:0:0:ffff:10.0.0.1")?.toString(), "10.0.0.1");
  assert.equal(parsePeerAddress(""), null);
});

Deno.test("cidr: matchesAny over an empty list is false", () => {
  assert.equal(matchesAny([], peer("10.0.0.1")), false);
});

Deno.test("client key: an IPv4 address, or the /64 of an IPv6 address; mapped peers are IPv4", () => {
  assert.equal(clientKey(peer("10.0.0.1")), "10.0.0.1");
  assert.equal(clientKey(peer("::ffff:10.0.0.1")), "10.0.0.1");
  assert.equal(clientKey(peer("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  assert.equal(clientKey(peer("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
  assert.equal(clientKey(peer("2001:db8:1:3::1")), "2001:db8:1:3::/64");
  assert.equal(clientKey(peer("::1")), "::/64");
});
