import assert from "node:assert/strict";
import { judgeMemory, type MemorySample } from "../../soak/memory.ts";

/** One sample a second for `seconds`, RSS from `rss(t)` in MiB. */
function series(seconds: number, rss: (t: number) => number): MemorySample[] {
  return Array.from({ length: seconds + 1 }, (_, t) => ({ t, rssKiB: rss(t) * 1024 }));
}

Deno.test("soak memory: a warm-up climb that then levels off passes", () => {
  const verdict = judgeMemory(series(60, (t) => (t < 15 ? 60 + 2 * t : 90 + (t % 5))));
  assert.equal(verdict.pass, true, verdict.reason);
  assert.match(verdict.reason, /levels off/);
});

Deno.test("soak memory: a steady climb after the warm-up fails", () => {
  const verdict = judgeMemory(series(60, (t) => 80 + t));
  assert.equal(verdict.pass, false, verdict.reason);
  assert.match(verdict.reason, /still climbing/);
  assert.ok(Math.abs(verdict.slopeKiBPerMin - 60 * 1024) < 1, String(verdict.slopeKiBPerMin));
});

Deno.test("soak memory: a single spike in the last third does not move the median", () => {
  const verdict = judgeMemory(series(60, (t) => (t === 55 ? 400 : 100)));
  assert.equal(verdict.pass, true, verdict.reason);
  assert.equal(verdict.peakKiB, 400 * 1024);
});

Deno.test("soak memory: growth just over the limit fails, just under passes", () => {
  const step = (pct: number) => judgeMemory(series(30, (t) => (t < 20 ? 100 : 100 + pct)));
  assert.equal(step(9.9).pass, true);
  assert.equal(step(10.1).pass, false);
});

Deno.test("soak memory: too few samples is no verdict, and fails", () => {
  const verdict = judgeMemory(series(4, () => 100));
  assert.equal(verdict.pass, false);
  assert.match(verdict.reason, /too few samples/);
  assert.equal(judgeMemory([]).pass, false);
});
