import assert from "node:assert/strict";
import { TrafficHistory, type TrafficTotals } from "../../server/metrics/traffic_history.ts";

const totals = (bytes: number, lines = 0): TrafficTotals => ({
  bytesIn: bytes,
  bytesOut: 2 * bytes,
  chatLines: lines,
  accepted: 0,
});

Deno.test("traffic history: samples are per-second rates of the running totals", () => {
  const history = new TrafficHistory(10);
  history.record(1000, totals(0), 0);
  assert.deepEqual(history.samples(), [], "the first call only sets the baseline");
  history.record(2000, totals(500, 3), 4);
  history.record(4000, totals(1500, 3), 2); // two seconds later: half the change per second
  assert.deepEqual(history.samples(), [
    { at: 2000, bytesIn: 500, bytesOut: 1000, chatLines: 3, accepted: 0, open: 4 },
    { at: 4000, bytesIn: 500, bytesOut: 1000, chatLines: 0, accepted: 0, open: 2 },
  ]);
});

Deno.test("traffic history: a fixed ring, oldest first, of the latest samples", () => {
  const history = new TrafficHistory(3);
  for (let second = 0; second <= 7; second++) {
    history.record(second * 1000, totals(second * 10), second);
  }
  const samples = history.samples();
  assert.deepEqual(samples.map((s) => s.open), [5, 6, 7]);
  assert.ok(samples.every((s) => s.bytesIn === 10));
});

Deno.test("traffic history: a clock that stands still or a total that falls adds nothing odd", () => {
  const history = new TrafficHistory(3);
  history.record(1000, totals(100), 0);
  history.record(1000, totals(200), 0);
  history.record(2000, totals(50), 0);
  assert.deepEqual(history.samples().map((s) => s.bytesIn), [0]);
});
