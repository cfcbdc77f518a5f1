import assert from "node:assert/strict";
import { defaultNick, firstFreeNick, NickRegistry } from "../../server/chat/nick_registry.ts";

interface Session {
  id: number;
}
const session = (id: number): Session => ({ id });

Deno.test("nick registry: claim, lookup ignoring case, release", () => {
  const nicks = new NickRegistry<Session>();
  const alice = session(1);
  assert.equal(nicks.claim(alice, "Alice"), true);
  assert.equal(nicks.lookup("alice"), alice);
  assert.equal(nicks.lookup("ALICE"), alice);
  assert.equal(nicks.nickOf(alice), "Alice");
  assert.equal(nicks.isTaken("aLiCe"), true);
  assert.equal(nicks.size, 1);
  assert.equal(nicks.release(alice), "Alice");
  assert.equal(nicks.lookup("alice"), undefined);
  assert.equal(nicks.nickOf(alice), undefined);
  assert.equal(nicks.release(alice), undefined);
  assert.equal(nicks.size, 0);
});

Deno.test("nick registry: a nick differing only in case is taken", () => {
  const nicks = new NickRegistry<Session>();
  const a = session(1), b = session(2);
  assert.equal(nicks.claim(a, "bob"), true);
  assert.equal(nicks.claim(b, "BOB"), false);
  assert.equal(nicks.claim(b, "Bob"), false);
  assert.equal(nicks.lookup("bob"), a);
  assert.equal(nicks.nickOf(b), undefined);
  assert.equal(nicks.claim(b, "bob2"), true);
  assert.equal(nicks.rename(b, "Bob"), undefined, "rename into a taken nick fails");
  assert.equal(nicks.nickOf(b), "bob2", "and changes nothing");
});

Deno.test("nick registry: rename frees the old nick; own case change is allowed", () => {
  const nicks = new NickRegistry<Session>();
  const a = session(1), b = session(2);
  nicks.claim(a, "alice");
  assert.equal(nicks.rename(a, "Alice"), "alice");
  assert.equal(nicks.nickOf(a), "Alice");
  assert.equal(nicks.rename(a, "carol"), "Alice");
  assert.equal(nicks.lookup("alice"), undefined);
  assert.equal(nicks.claim(b, "alice"), true, "old nick is free for others");
  assert.equal(nicks.size, 2);
  assert.throws(() => nicks.rename(session(3), "dave"), RangeError);
});

Deno.test("nick registry: invalid nicks are refused loudly", () => {
  const nicks = new NickRegistry<Session>();
  assert.throws(() => nicks.claim(session(1), "bad nick"), RangeError);
  assert.throws(() => nicks.claim(session(1), ""), RangeError);
  assert.equal(nicks.size, 0);
});

Deno.test("nick registry: default nicks and collisions", () => {
  assert.equal(defaultNick(7), "guest-7");
  assert.equal(defaultNick(7n), "guest-7");
  const nicks = new NickRegistry<Session>();
  const squatter = session(100), squatter2 = session(101);
  nicks.claim(squatter, "Guest-7");
  nicks.claim(squatter2, "guest-7-2");
  const newcomer = session(7);
  assert.equal(nicks.claimDefault(newcomer, 7), "guest-7-3");
  assert.equal(nicks.lookup("GUEST-7-3"), newcomer);
  assert.equal(nicks.claimDefault(session(8), 8), "guest-8");
});

Deno.test("nick registry: firstFreeNick stays within 24 characters", () => {
  const taken = new Set(["x".repeat(24), "x".repeat(22) + "-2"]);
  assert.equal(firstFreeNick("x".repeat(24), (n) => taken.has(n)), "x".repeat(22) + "-3");
  assert.equal(firstFreeNick("free", () => false), "free");
  const many = new Set(["a", ...Array.from({ length: 9 }, (_, i) => `a-${i + 2}`)]);
  assert.equal(firstFreeNick("a", (n) => many.has(n)), "a-11");
});
