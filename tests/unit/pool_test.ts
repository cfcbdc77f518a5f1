import assert from "node:assert/strict";
import { ConnectionPool } from "../../reactor/pool.ts";

Deno.test("pool: ids start at 1, increase, and are never reused after removal", () => {
  const pool = new ConnectionPool<{ id: number }>();
  const ids = [pool.nextId(), pool.nextId(), pool.nextId()];
  assert.deepEqual(ids, [1, 2, 3]);
  for (const id of ids) pool.add({ id });
  assert.equal(pool.size, 3);
  assert.equal(pool.delete(2), true);
  assert.equal(pool.delete(2), false);
  assert.deepEqual(pool.snapshot().map((e) => e.id), [1, 3]);
  assert.equal(pool.nextId(), 4);
});

Deno.test("pool: snapshots in accept order, and a duplicate id is rejected", () => {
  const pool = new ConnectionPool<{ id: number; name: string }>();
  pool.add({ id: pool.nextId(), name: "a" });
  pool.add({ id: pool.nextId(), name: "b" });
  assert.deepEqual(pool.snapshot().map((e) => e.name), ["a", "b"]);
  assert.throws(() => pool.add({ id: 1, name: "again" }), RangeError);
  const snapshot = pool.snapshot();
  for (const entry of snapshot) pool.delete(entry.id);
  assert.equal(pool.size, 0);
  assert.equal(snapshot.length, 2);
});
