import assert from "node:assert/strict";
import { TimeoutList, type TimeoutNode } from "../../reactor/timeout_list.ts";

class Node implements TimeoutNode {
  timeoutPrev: TimeoutNode | null = null;
  timeoutNext: TimeoutNode | null = null;
  timeoutList: TimeoutList<TimeoutNode> | null = null;
  timeoutSince = 0;
  constructor(readonly name: string) {}
}

Deno.test("timeout list: expires exactly the nodes whose wait has lasted the duration, oldest first", () => {
  const list = new TimeoutList<Node>(1000);
  const [a, b, c] = [new Node("a"), new Node("b"), new Node("c")];
  list.add(a, 0);
  list.add(b, 100);
  list.add(c, 200);
  list.add(a, 500); // a's wait restarts: it is now the newest
  const expired: string[] = [];
  assert.equal(list.expire(1099, (node) => expired.push(node.name)), 0);
  assert.equal(list.expire(1100, (node) => expired.push(node.name)), 1);
  assert.equal(list.expire(1500, (node) => expired.push(node.name)), 2);
  assert.deepEqual(expired, ["b", "c", "a"]);
  assert.equal(list.size, 0);
});

Deno.test("timeout list: a node moves between lists as its waits change", () => {
  const idle = new TimeoutList<Node>(1000);
  const grace = new TimeoutList<Node>(300);
  const nodes = Array.from({ length: 5 }, (_, i) => new Node(String(i)));
  for (const [i, node] of nodes.entries()) idle.add(node, i < 2 ? 0 : 500);
  assert.equal(idle.expire(1000, (node) => grace.add(node, 1000)), 2);
  assert.equal(idle.size, 3);
  assert.equal(grace.size, 2);
  idle.remove(nodes[4]!);
  grace.remove(nodes[4]!); // not in it: nothing happens
  assert.equal(idle.size, 2);
  assert.equal(grace.size, 2);
  const expired: string[] = [];
  grace.expire(1300, (node) => expired.push(node.name));
  assert.deepEqual(expired, ["0", "1"]);
});

Deno.test("timeout list: a duration of 0 disables it", () => {
  const list = new TimeoutList<Node>(0);
  const node = new Node("a");
  assert.equal(list.add(node, 0), false);
  assert.equal(node.timeoutList, null);
  assert.equal(list.expire(1e9, () => assert.fail("nothing may expire")), 0);
});
