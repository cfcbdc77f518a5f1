import assert from "node:assert/strict";
import { RefusalCounter } from "../../server/metrics/refusal_counter.ts";

const peer: Deno.NetAddr = { transport: "tcp", hostname: "192.0.2.1", port: 40000 };

Deno.test("refusal counter: counts by listener and reason, and still tells the observer", () => {
  const counter = new RefusalCounter();
  const told: string[] = [];
  const observer = counter.observe({
    refused: (listener, _peer, reason) => told.push(`${listener}:${reason}`),
  });
  observer.refused!("chat", peer, "limit");
  observer.refused!("chat", peer, "limit");
  observer.refused!("echo", peer, "denied");
  assert.deepEqual(told, ["chat:limit", "chat:limit", "echo:denied"]);
  assert.deepEqual(counter.counts(), [
    { listener: "chat", reason: "limit", count: 2 },
    { listener: "echo", reason: "denied", count: 1 },
  ]);
});

Deno.test("refusal counter: past 64 pairs, new reasons count as other", () => {
  const counter = new RefusalCounter();
  for (let i = 0; i < 100; i++) counter.count("chat", `reason-${i}`);
  const counts = counter.counts();
  assert.ok(counts.length <= 65);
  assert.equal(counts.find((c) => c.reason === "other")?.count, 36);
  assert.equal(counts.reduce((sum, c) => sum + c.count, 0), 100);
});
