import assert from "node:assert/strict";
import { refusedSource } from "../../server/udp/reflection_guard.ts";

const from = (hostname: string, port: number): Deno.NetAddr => ({
  transport: "udp",
  hostname,
  port,
});

Deno.test("reflection guard: every port below 1024, the known reflectors and its own port", () => {
  const own = 8877;
  for (const port of [0, 7, 9, 13, 17, 19, 37, 53, 123, 161, 389, 1023]) {
    assert.equal(refusedSource(from("192.0.2.1", port), own), "service-port", `port ${port}`);
  }
  for (const port of [1900, 2049, 3702, 5353, 11211, 27015, own]) {
    assert.equal(refusedSource(from("192.0.2.1", port), own), "service-port", `port ${port}`);
  }
  for (const port of [1024, 8878, 40000, 65535]) {
    assert.equal(refusedSource(from("192.0.2.1", port), own), null, `port ${port}`);
  }
});

Deno.test("reflection guard: addresses that cannot send a datagram get no reply", () => {
  for (
    const hostname of ["0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255"]
  ) {
    assert.equal(refusedSource(from(hostname, 40000), 8877), "bad-source", hostname);
  }
  for (const hostname of ["::", "ff02::1", "::ffff:224.0.0.1", "::FFFF:0.0.0.0"]) {
    assert.equal(refusedSource(from(hostname, 40000), 8877), "bad-source", hostname);
  }
  for (const hostname of ["127.0.0.1", "10.1.2.3", "::1", "2001:db8::1", "::ffff:192.0.2.1"]) {
    assert.equal(refusedSource(from(hostname, 40000), 8877), null, hostname);
  }
});
