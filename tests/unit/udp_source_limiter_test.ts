import assert from "node:assert/strict";
import { SourceLimiter } from "../../server/udp/source_limiter.ts";

function limiter(maxSources = 100) {
  let now = 0;
  const sources = new SourceLimiter({ ratePerSecond: 2, burst: 3, maxSources, now: () => now });
  return { sources, advance: (ms: number) => now += ms };
}

Deno.test("source limiter: a burst, then the rate, for each source on its own", () => {
  const { sources, advance } = limiter();
  const take = (source: string, n: number) =>
    Array.from({ length: n }, () => sources.allow(source)).filter(Boolean).length;
  assert.equal(take("10.0.0.1", 10), 3);
  assert.equal(take("10.0.0.2", 2), 2, "another source has its own bucket");
  advance(500);
  assert.equal(take("10.0.0.1", 10), 1, "half a second at 2 per second is one more");
  advance(10_000);
  assert.equal(take("10.0.0.1", 10), 3, "refills up to the burst, no further");
});

Deno.test("source limiter: the map stays bounded and a flooding source keeps its empty bucket", () => {
  const { sources } = limiter(4);
  for (let i = 0; i < 3; i++) sources.allow("flooder");
  assert.equal(sources.allow("flooder"), false);
  for (let i = 0; i < 1000; i++) {
    sources.allow(`forged-${i}`);
    // The flooder keeps sending between the forged sources: it is always recently seen.
    assert.equal(sources.allow("flooder"), false);
    assert.ok(sources.size <= 4);
  }
});

Deno.test("source limiter: the source seen longest ago is forgotten first", () => {
  const { sources } = limiter(2);
  for (let i = 0; i < 3; i++) sources.allow("a");
  sources.allow("b");
  sources.allow("c"); // forgets "a", the least recently seen
  assert.equal(sources.allow("a"), true, "a forgotten source starts with a full bucket");
  assert.equal(sources.size, 2);
});
