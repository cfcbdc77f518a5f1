import assert from "node:assert/strict";
import type { ActivityList, ActivityNode } from "../../reactor/activity_list.ts";
import { type IdleActions, IdleReaper, type Reapable } from "../../reactor/idle_reaper.ts";

class Node implements Reapable {
  lastActivity = 0;
  idleWarnedAt = 0;
  activityPrev: ActivityNode | null = null;
  activityNext: ActivityNode | null = null;
  activityList: ActivityList<ActivityNode> | null = null;
  constructor(readonly name: string) {}
}

function recorder(warnAccepted: boolean) {
  const events: string[] = [];
  const actions: IdleActions<Node> = {
    warn: (node) => {
      events.push(`warn ${node.name}`);
      return warnAccepted;
    },
    expire: (node) => events.push(`expire ${node.name}`),
  };
  return { events, actions };
}

Deno.test("idle reaper: closes exactly the connections silent for the timeout, oldest first", () => {
  const reaper = new IdleReaper<Node>({ timeoutMs: 1000, graceMs: 0 });
  const [a, b, c] = [new Node("a"), new Node("b"), new Node("c")];
  reaper.track(a, 0);
  reaper.track(b, 100);
  reaper.track(c, 200);
  reaper.touch(a, 500); // a spoke: it is now the newest
  const { events, actions } = recorder(false);
  assert.equal(reaper.sweep(1099, actions), 0);
  assert.equal(reaper.sweep(1100, actions), 1);
  assert.deepEqual(events, ["expire b"]);
  assert.equal(reaper.sweep(1500, actions), 2);
  assert.deepEqual(events, ["expire b", "expire c", "expire a"]);
  assert.equal(reaper.size, 0);
});

Deno.test("idle reaper: a protocol that warns gets the grace period; activity cancels the warning", () => {
  const reaper = new IdleReaper<Node>({ timeoutMs: 1000, graceMs: 300 });
  const [a, b] = [new Node("a"), new Node("b")];
  reaper.track(a, 0);
  reaper.track(b, 0);
  const { events, actions } = recorder(true);
  reaper.sweep(1000, actions);
  assert.deepEqual(events, ["warn a", "warn b"]);
  reaper.touch(b, 1100); // b answered the warning
  reaper.sweep(1299, actions);
  assert.deepEqual(events, ["warn a", "warn b"]);
  reaper.sweep(1300, actions);
  assert.deepEqual(events, ["warn a", "warn b", "expire a"]);
  reaper.sweep(2100, actions);
  assert.deepEqual(events, ["warn a", "warn b", "expire a", "warn b"]);
});

Deno.test("idle reaper: a sweep stops at its limit and the rest wait for the next slice", () => {
  const reaper = new IdleReaper<Node>({ timeoutMs: 10, graceMs: 0 });
  const nodes = Array.from({ length: 25 }, (_, i) => new Node(String(i)));
  for (const node of nodes) reaper.track(node, 0);
  const { events, actions } = recorder(false);
  assert.equal(reaper.sweep(10, actions, 10), 10);
  assert.equal(reaper.hasDue(10), true);
  assert.equal(reaper.sweep(10, actions, 10), 10);
  assert.equal(reaper.sweep(10, actions, 10), 5);
  assert.equal(reaper.hasDue(10), false);
  assert.deepEqual(events, nodes.map((n) => `expire ${n.name}`));
});

Deno.test("idle reaper: timeout 0 disables reaping; untrack removes a node", () => {
  const off = new IdleReaper<Node>({ timeoutMs: 0, graceMs: 0 });
  const node = new Node("x");
  off.track(node, 0);
  const { events, actions } = recorder(false);
  assert.equal(off.sweep(1e12, actions), 0);
  const on = new IdleReaper<Node>({ timeoutMs: 5, graceMs: 0 });
  on.track(node, 0);
  on.untrack(node);
  assert.equal(on.sweep(100, actions), 0);
  assert.deepEqual(events, []);
  assert.throws(() => new IdleReaper({ timeoutMs: -1, graceMs: 0 }), RangeError);
});
