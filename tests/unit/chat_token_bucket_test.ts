import assert from "node:assert/strict";
import { TokenBucket } from "../../server/chat/token_bucket.ts";

function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}

function takeAll(bucket: TokenBucket): number {
  let n = 0;
  while (bucket.tryTake()) n++;
  return n;
}

Deno.test("token bucket: starts full and allows a burst", () => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSecond: 2, burst: 5, now: c.now });
  assert.equal(takeAll(bucket), 5);
  assert.equal(bucket.tryTake(), false);
});

Deno.test("token bucket: refills at the given rate", () => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: c.now });
  assert.equal(takeAll(bucket), 3);
  c.t += 99;
  assert.equal(bucket.tryTake(), false);
  c.t += 1;
  assert.equal(bucket.tryTake(), true);
  assert.equal(bucket.tryTake(), false);
  c.t += 250;
  assert.equal(takeAll(bucket), 2);
  assert.equal(bucket.msUntil(), 50);
});

Deno.test("token bucket: never holds more than burst", () => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSecond: 100, burst: 4, now: c.now });
  takeAll(bucket);
  c.t += 3_600_000;
  assert.equal(bucket.tokens, 4);
  assert.equal(takeAll(bucket), 4);
});

Deno.test("token bucket: fractional rates", () => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSecond: 0.5, burst: 1, now: c.now });
  assert.equal(bucket.tryTake(), true);
  c.t += 1999;
  assert.equal(bucket.tryTake(), false);
  c.t += 1;
  assert.equal(bucket.tryTake(), true);
});

Deno.test("token bucket: tryTake(count) is all or nothing", () => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSecond: 1, burst: 3, now: c.now });
  assert.equal(bucket.tryTake(2), true);
  assert.equal(bucket.tryTake(2), false);
  assert.equal(bucket.tokens, 1);
  assert.equal(bucket.msUntil(2), 1000);
  assert.equal(bucket.msUntil(4), Infinity);
  assert.equal(bucket.msUntil(1), 0);
});

Deno.test("token bucket: a clock going backwards adds nothing and is not counted twice", () => {
  const c = clock(10_000);
  const bucket = new TokenBucket({ ratePerSecond: 1, burst: 10, now: c.now });
  takeAll(bucket);
  c.t = 5_000;
  assert.equal(bucket.tryTake(), false);
  c.t = 10_000;
  assert.equal(bucket.tryTake(), false, "time already seen is not refilled again");
  c.t = 11_000;
  assert.equal(bucket.tryTake(), true);
});

Deno.test("token bucket: rejects bad options", () => {
  const now = () => 0;
  assert.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 1, now }), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: -1, burst: 1, now }), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: NaN, burst: 1, now }), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5, now }), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: 1, burst: Infinity, now }), RangeError);
});

Deno.test("token bucket: defaults to the real clock", () => {
  const bucket = new TokenBucket({ ratePerSecond: 1, burst: 2 });
  assert.equal(takeAll(bucket) >= 2, true);
});
