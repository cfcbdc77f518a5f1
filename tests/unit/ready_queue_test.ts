import assert from "node:assert/strict";
import { ReadyQueue } from "../../reactor/ready_queue.ts";

Deno.test("ready queue: first in, first out across growth and wrap-around", () => {
  const queue = new ReadyQueue<number>();
  const expected: number[] = [];
  const got: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so the ring wraps while it grows.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round * 3; i++) {
      queue.push(next);
      expected.push(next++);
    }
    for (let i = 0; i < round * 2; i++) got.push(queue.shift()!);
  }
  while (queue.length > 0) got.push(queue.shift()!);
  assert.deepEqual(got, expected);
  assert.equal(queue.shift(), undefined);
});
