import assert from "node:assert/strict";
import { AccessPolicy } from "../../server/access/access_policy.ts";
import { parseCidrList } from "../../server/access/cidr.ts";
import { ConnectionRate } from "../../server/access/connection_rate.ts";

function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}

function tcp(hostname: string, port = 40000): Deno.NetAddr {
  return { transport: "tcp", hostname, port };
}

/** How many of `count` attempts from `hostname` are admitted (kept open). */
function admitMany(policy: AccessPolicy, hostname: string, count: number): number {
  let admitted = 0;
  for (let i = 0; i < count; i++) {
    if (policy.admit("echo", tcp(hostname, 40000 + i)) === null) admitted++;
  }
  return admitted;
}

Deno.test("access: with no rules and no limits everyone is admitted and nothing is tracked", () => {
  const policy = new AccessPolicy();
  assert.equal(policy.active, false);
  assert.equal(admitMany(policy, "203.0.113.9", 1000), 1000);
  assert.deepEqual(policy.stats(), {
    refused: { "denied": 0, "not-allowed": 0, "rate-limit": 0, "per-ip-limit": 0 },
    clientsOpen: 0,
    clientsTracked: 0,
  });
});

Deno.test("access: deny refuses; no allow list admits everyone else", () => {
  const policy = new AccessPolicy({ deny: parseCidrList("192.0.2.0/24,2001:db8::/32") });
  assert.equal(policy.admit("echo", tcp("192.0.2.200")), "denied");
  assert.equal(policy.admit("echo", tcp("2001:db8::5")), "denied");
  assert.equal(policy.admit("echo", tcp("198.51.100.1")), null);
  assert.equal(policy.admit("echo", tcp("::1")), null);
  assert.equal(policy.stats().refused.denied, 2);
});

Deno.test("access: an allow list admits only its ranges, and deny wins over allow", () => {
  const policy = new AccessPolicy({
    allow: parseCidrList("10.0.0.0/8,::1"),
    deny: parseCidrList("10.6.6.0/24"),
  });
  assert.equal(policy.admit("chat", tcp("10.1.2.3")), null);
  assert.equal(policy.admit("chat", tcp("::1")), null);
  assert.equal(policy.admit("chat", tcp("10.6.6.6")), "denied");
  assert.equal(policy.admit("chat", tcp("11.0.0.1")), "not-allowed");
  assert.equal(policy.admit("chat", tcp("::2")), "not-allowed");
  const refused = policy.stats().refused;
  assert.equal(refused.denied, 1);
  assert.equal(refused["not-allowed"], 2);
});

Deno.test("access: IPv4-mapped peers are checked against IPv4 rules", () => {
  const policy = new AccessPolicy({
    allow: parseCidrList("127.0.0.0/8"),
    deny: parseCidrList("127.0.0.2"),
  });
  assert.equal(policy.admit("echo", tcp("::ffff:127.0.0.1")), null);
  assert.equal(policy.admit("echo", tcp("::ffff:127.0.0.2")), "denied");
  assert.equal(policy.admit("echo", tcp("::ffff:10.0.0.1")), "not-allowed");
});

Deno.test("access: a peer that is not an IP address is kept out only by an allow list", () => {
  const unix: Deno.Addr = { transport: "unix", path: "/tmp/socket" };
  assert.equal(new AccessPolicy({ maxConnectionsPerIp: 1 }).admit("echo", unix), null);
  assert.equal(
    new AccessPolicy({ allow: parseCidrList("0.0.0.0/0") }).admit("echo", unix),
    "not-allowed",
  );
});

Deno.test("access: open connections per client are counted across listeners and released", () => {
  const policy = new AccessPolicy({ maxConnectionsPerIp: 2 });
  const first = tcp("10.0.0.1", 1);
  const second = tcp("10.0.0.1", 2);
  assert.equal(policy.admit("echo", first), null);
  assert.equal(policy.admit("chat", second), null);
  assert.equal(policy.admit("echo", tcp("10.0.0.1", 3)), "per-ip-limit");
  assert.equal(
    policy.admit("chat", tcp("::ffff:10.0.0.1", 4)),
    "per-ip-limit",
    "mapped is the same client",
  );
  assert.equal(policy.admit("echo", tcp("10.0.0.2", 5)), null, "another client has its own count");
  assert.equal(policy.stats().clientsOpen, 2);
  policy.release("echo", first);
  assert.equal(policy.admit("echo", tcp("10.0.0.1", 6)), null, "a place was freed");
  assert.equal(policy.admit("echo", tcp("10.0.0.1", 7)), "per-ip-limit");
  policy.release("chat", second);
  policy.release("echo", tcp("10.0.0.1", 6));
  policy.release("echo", tcp("10.0.0.2", 5));
  assert.equal(policy.stats().clientsOpen, 0, "a client with nothing open is forgotten");
  // A release the policy never admitted (or twice) does not go below zero.
  policy.release("echo", tcp("10.0.0.1", 8));
  assert.equal(admitMany(policy, "10.0.0.1", 3), 2);
  assert.equal(policy.stats().refused["per-ip-limit"], 4);
});

Deno.test("access: IPv6 clients are counted by /64", () => {
  const policy = new AccessPolicy({ maxConnectionsPerIp: 2 });
  assert.equal(policy.admit("echo", tcp("2001:db8:1:2::a")), null);
  assert.equal(policy.admit("echo", tcp("2001:db8:1:2::b")), null);
  assert.equal(policy.admit("echo", tcp("2001:db8:1:2:ffff::c")), "per-ip-limit");
  assert.equal(policy.admit("echo", tcp("2001:db8:1:3::a")), null);
});

Deno.test("access: refused connections do not count as open", () => {
  const policy = new AccessPolicy({ maxConnectionsPerIp: 1, deny: parseCidrList("10.9.9.9") });
  assert.equal(policy.admit("echo", tcp("10.9.9.9")), "denied");
  assert.equal(policy.stats().clientsOpen, 0);
  assert.equal(policy.admit("echo", tcp("10.0.0.1")), null);
  assert.equal(policy.admit("echo", tcp("10.0.0.1")), "per-ip-limit");
  assert.equal(policy.stats().clientsOpen, 1);
});

Deno.test("access: the rate of new connections is a token bucket per client on the injected clock", () => {
  const c = clock();
  const policy = new AccessPolicy({ connectionRate: 2, connectionBurst: 5, now: c.now });
  assert.equal(admitMany(policy, "10.0.0.1", 8), 5, "the burst");
  assert.equal(admitMany(policy, "10.0.0.2", 1), 1, "another client has its own bucket");
  c.t += 499;
  assert.equal(admitMany(policy, "10.0.0.1", 1), 0);
  c.t += 1;
  assert.equal(admitMany(policy, "10.0.0.1", 2), 1, "one token per 500 ms");
  c.t += 60_000;
  assert.equal(admitMany(policy, "10.0.0.1", 10), 5, "never more than the burst");
  assert.equal(policy.stats().refused["rate-limit"], 3 + 1 + 1 + 5);
  // Closing connections gives no tokens back: it is a rate of new connections.
  policy.release("echo", tcp("10.0.0.1"));
  assert.equal(admitMany(policy, "10.0.0.1", 1), 0);
});

Deno.test("access: the burst defaults to one second of the rate", () => {
  const c = clock();
  const policy = new AccessPolicy({ connectionRate: 3, now: c.now });
  assert.equal(admitMany(policy, "10.0.0.1", 10), 3);
});

Deno.test("access: checks go deny, allow, rate, open connections", () => {
  const c = clock();
  const policy = new AccessPolicy({
    deny: parseCidrList("10.0.0.9"),
    connectionRate: 1,
    connectionBurst: 3,
    maxConnectionsPerIp: 1,
    now: c.now,
  });
  // Denied attempts take no tokens.
  for (let i = 0; i < 5; i++) assert.equal(policy.admit("echo", tcp("10.0.0.9")), "denied");
  assert.equal(policy.stats().clientsTracked, 0);
  assert.equal(policy.admit("echo", tcp("10.0.0.1")), null);
  assert.equal(policy.admit("echo", tcp("10.0.0.1")), "per-ip-limit");
  assert.equal(policy.admit("echo", tcp("10.0.0.1")), "per-ip-limit");
  // An attempt refused at the cap still took a token: the bucket is now empty.
  assert.equal(policy.admit("echo", tcp("10.0.0.1")), "rate-limit");
});

Deno.test("access: describe() explains each reason with its setting", () => {
  const policy = new AccessPolicy({
    maxConnectionsPerIp: 7,
    connectionRate: 4,
    connectionBurst: 9,
  });
  assert.equal(policy.describe("denied"), "the address is in --deny");
  assert.equal(policy.describe("not-allowed"), "the address is not in --allow");
  assert.match(
    policy.describe("per-ip-limit")!,
    /^7 connections from it are open \(--max-connections-per-ip\)$/,
  );
  assert.match(
    policy.describe("rate-limit")!,
    /more than 9 new connections at once or 4 per second/,
  );
  assert.equal(policy.describe("limit"), undefined);
});

Deno.test("access: rejects bad settings", () => {
  assert.throws(() => new AccessPolicy({ maxConnectionsPerIp: -1 }), RangeError);
  assert.throws(() => new AccessPolicy({ maxConnectionsPerIp: 1.5 }), RangeError);
  assert.throws(() => new AccessPolicy({ connectionRate: -1 }), RangeError);
  assert.throws(() => new AccessPolicy({ connectionRate: 1, connectionBurst: 0 }), RangeError);
});

Deno.test("connection rate: memory stays bounded whatever the number of clients", () => {
  const c = clock();
  const rate = new ConnectionRate({ ratePerSecond: 1, burst: 2, maxTracked: 100, now: c.now });
  for (let i = 0; i < 100_000; i++) {
    assert.equal(rate.tryTake(`client-${i}`), true);
    assert.ok(rate.tracked <= 100);
  }
  assert.equal(rate.tracked, 100);
});

Deno.test("connection rate: the least recently seen client is forgotten first", () => {
  const c = clock();
  const rate = new ConnectionRate({ ratePerSecond: 1, burst: 1, maxTracked: 3, now: c.now });
  for (const key of ["a", "b", "c"]) assert.equal(rate.tryTake(key), true);
  assert.equal(rate.tryTake("a"), false, "a is seen again, so b is now the oldest");
  assert.equal(rate.tryTake("d"), true); // forgets b
  assert.equal(rate.tryTake("a"), false, "a was kept, still empty");
  assert.equal(rate.tryTake("c"), false, "c was kept, still empty");
  assert.equal(rate.tryTake("b"), true, "b was forgotten: a fresh bucket");
  assert.equal(rate.tracked, 3);
});

Deno.test("connection rate: a clock going backwards adds no tokens", () => {
  const c = clock(10_000);
  const rate = new ConnectionRate({ ratePerSecond: 1, burst: 1, now: c.now });
  assert.equal(rate.tryTake("a"), true);
  c.t = 5_000;
  assert.equal(rate.tryTake("a"), false);
  c.t = 10_999;
  assert.equal(rate.tryTake("a"), false, "time already seen is not refilled again");
  c.t = 11_000;
  assert.equal(rate.tryTake("a"), true);
});

Deno.test("connection rate: rejects bad options", () => {
  const now = () => 0;
  assert.throws(() => new ConnectionRate({ ratePerSecond: 0, burst: 1, now }), RangeError);
  assert.throws(() => new ConnectionRate({ ratePerSecond: NaN, burst: 1, now }), RangeError);
  assert.throws(() => new ConnectionRate({ ratePerSecond: 1, burst: 0.5, now }), RangeError);
  assert.throws(
    () => new ConnectionRate({ ratePerSecond: 1, burst: 1, maxTracked: 0, now }),
    RangeError,
  );
});
