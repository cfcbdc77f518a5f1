import assert from "node:assert/strict";
import { EventLoopLag } from "../../server/metrics/event_loop_lag.ts";

Deno.test("event-loop lag: the latest measurement and the largest of the last minute", () => {
  const lag = new EventLoopLag();
  assert.equal(lag.latestSeconds, 0);
  assert.equal(lag.maxSeconds, 0);
  lag.record(250);
  lag.record(4);
  assert.equal(lag.latestSeconds, 0.004);
  assert.equal(lag.maxSeconds, 0.25);
  // A minute of small lags (120 measurements at 0.5 s) pushes the old peak out.
  for (let i = 0; i < 119; i++) lag.record(1);
  assert.equal(lag.maxSeconds, 0.004);
  lag.record(2);
  assert.equal(lag.maxSeconds, 0.002);
  assert.equal(lag.latestSeconds, 0.002);
});

Deno.test("event-loop lag: measuring starts and stops without keeping the process alive", async () => {
  const lag = new EventLoopLag();
  lag.start();
  lag.start();
  lag.stop();
  await Promise.resolve();
});
