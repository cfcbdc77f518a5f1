/**
 * The Redis adapter's parts: what travels as text, the reconnection
 * backoff, node ids, and two adapters in this process on a real
 * `redis-server` (claims that race, compare-and-delete, listings across
 * nodes, events that skip their sender).
 */
import assert from "node:assert/strict";
import type {
  AdapterListener,
  ChatEvent,
  Presence,
} from "../../server/chat/adapter/chat_adapter.ts";
import { createNodeId } from "../../server/chat/adapter/node_id.ts";
import { RedisAdapter } from "../../server/chat/adapter/redis_adapter.ts";
import { databaseOf, RedisKeys } from "../../server/chat/adapter/redis_keys.ts";
import { backoffMs, MAX_BACKOFF_MS } from "../../server/chat/adapter/redis_link.ts";
import {
  decodeEvent,
  decodeHistory,
  decodePresence,
  encodeEvent,
  encodePresence,
} from "../../server/chat/adapter/redis_messages.ts";
import { RELEASE_NICK } from "../../server/chat/adapter/redis_scripts.ts";
import { type RedisServer, startRedis } from "../helpers/redis_server.ts";

const presence = (id: string, nick: string, room = "lobby"): Presence => ({
  id,
  nick,
  room,
  client: "raw",
  since: 1,
  lastActive: 2,
  away: null,
});

Deno.test("redis messages: events and presences round-trip; anything else is dropped", () => {
  const event: ChatEvent = { kind: "room", room: "dev", line: "[dev] <a> hi", except: "n/1" };
  assert.deepEqual(decodeEvent(encodeEvent("node", event)), { from: "node", event });
  const user: ChatEvent = { kind: "user", to: "n/2", line: "[private] <a> psst" };
  assert.deepEqual(decodeEvent(encodeEvent("n", user))?.event, user);
  assert.deepEqual(decodeEvent(encodeEvent("n", { kind: "all", line: "x" }))?.event, {
    kind: "all",
    line: "x",
  });
  for (
    const bad of [
      "not json",
      "null",
      '{"from":"n"}',
      '{"from":1,"event":{"kind":"all","line":"x"}}',
      '{"from":"n","event":{"kind":"room","room":"dev","line":"x"}}',
      '{"from":"n","event":{"kind":"user","line":"x"}}',
      '{"from":"n","event":{"kind":"kick","line":"x"}}',
      '{"from":"n","event":{"kind":"all","line":7}}',
    ]
  ) assert.equal(decodeEvent(bad), null, bad);

  const p = presence("n/1", "alice");
  assert.deepEqual(decodePresence(encodePresence(p)), p);
  assert.equal(decodePresence(JSON.stringify({ ...p, client: "ssh" })), null);
  assert.equal(decodePresence(null), null);
});

Deno.test("redis messages: history comes back oldest first, skipping broken entries", () => {
  const reply = [
    ["2-0", ["at", "2000", "line", "<b> second"]],
    ["1-5", ["line", "no time"]],
    ["1-0", ["at", "1000", "line", "<a> first"]],
  ];
  assert.deepEqual(decodeHistory(reply), [
    { at: 1000, line: "<a> first" },
    { at: 2000, line: "<b> second" },
  ]);
  assert.deepEqual(decodeHistory(null), []);
});

Deno.test("redis link: the reconnection backoff doubles from 100 ms up to a cap, with bounded jitter", () => {
  assert.equal(backoffMs(0, () => 0), 100);
  assert.equal(backoffMs(3, () => 0), 800);
  assert.equal(backoffMs(50, () => 0), MAX_BACKOFF_MS);
  assert.equal(backoffMs(50, () => 0.999), Math.round(MAX_BACKOFF_MS * 1.1998));
});

Deno.test("redis keys: node ids are unique and key-safe; the channel carries the database", () => {
  const a = createNodeId(() => "web 1/evil", 42);
  assert.match(a, /^web_1_evil:42:[0-9a-f]{8}$/);
  assert.notEqual(createNodeId(() => "h", 1), createNodeId(() => "h", 1));
  assert.match(
    createNodeId(() => {
      throw new Error("no permission");
    }, 7),
    /^host:7:/,
  );
  assert.equal(databaseOf("redis://127.0.0.1:6379/3"), 3);
  assert.equal(databaseOf("redis://127.0.0.1"), 0);
  assert.equal(new RedisKeys(3).channel, "echochat:events:db3");
  assert.equal(new RedisKeys(0).nick("BoB"), "echochat:nick:bob");
});

/** A listener that records what the adapter reports. */
function recorder(): AdapterListener & { events: ChatEvent[]; links: boolean[] } {
  const events: ChatEvent[] = [];
  const links: boolean[] = [];
  return { events, links, event: (e) => events.push(e), link: (up) => links.push(up) };
}

async function twoNodes(redis: RedisServer) {
  const options = { url: redis.url, ttlMs: 1000, historyLines: 5 };
  const a = new RedisAdapter({ ...options, nodeId: "a:1:00" });
  const b = new RedisAdapter({ ...options, nodeId: "b:2:00" });
  const [heardA, heardB] = [recorder(), recorder()];
  await a.start(heardA);
  await b.start(heardB);
  assert.ok(a.up && b.up);
  return { a, b, heardA, heardB };
}

/** Resolves once `check` passes; fails after 500 tries 10 ms apart. */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("The condition never held");
}

async function redisCli(redis: RedisServer, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-p", String(redis.port), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("redis adapter: of many claims of one nick at once from two nodes, exactly one wins", async () => {
  await using redis = await startRedis();
  const { a, b } = await twoNodes(redis);
  try {
    for (let round = 0; round < 5; round++) {
      const claims = Array.from({ length: 20 }, (_, i) => {
        const [node, name] = i % 2 === 0 ? [a, `nick${round}`] : [b, `NICK${round}`];
        return node.claimNick(`${node.nodeId}/${i}`, name);
      });
      const won = (await Promise.all(claims)).filter((claimed) => claimed);
      assert.equal(won.length, 1, `round ${round}`);
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("redis adapter: release is compare-and-delete; a closed node's nicks and users are gone", async () => {
  await using redis = await startRedis();
  const { a, b } = await twoNodes(redis);
  try {
    assert.equal(await a.claimNick("a:1:00/1", "Alice"), true);
    // The script frees a nick only for its holder.
    const key = "echochat:nick:alice";
    assert.equal(await redisCli(redis, "EVAL", RELEASE_NICK, "1", key, "b:2:00/9"), "0");
    assert.equal(await redisCli(redis, "GET", key), "a:1:00/1");
    assert.equal(await b.claimNick("b:2:00/1", "alice"), false);
    a.releaseNick("a:1:00/1", "Alice");
    assert.equal(await b.claimNick("b:2:00/1", "alice"), true);
    assert.equal(await a.claimNick("a:1:00/2", "ALICE"), false);

    a.setPresence(presence("a:1:00/2", "carol", "dev"));
    a.setPresence(presence("a:1:00/3", "dave"));
    b.setPresence(presence("b:2:00/1", "alice", "Dev"));
    assert.equal(await b.userCount(), 3);
    assert.deepEqual((await b.members("DEV")).map((p) => p.nick).sort(), ["alice", "carol"]);
    assert.deepEqual(
      // Spelled "dev" on one node and "Dev" on the other: either spelling may show.
      (await b.rooms()).map((r) => `${r.name.toLowerCase()}:${r.users}`).sort(),
      ["dev:2", "lobby:1"],
    );
    assert.equal((await a.findNick("ALICE"))?.id, "b:2:00/1");
    a.updatePresence("a:1:00/3", { room: "dev", away: "lunch" });
    assert.deepEqual((await b.members("dev")).map((p) => p.away).sort(), ["lunch", null, null]);

    await a.close();
    assert.deepEqual((await b.users()).map((p) => p.nick), ["alice"]);
    assert.equal(await redisCli(redis, "EXISTS", "echochat:node:a:1:00:users"), "0");
  } finally {
    await b.close();
  }
});

Deno.test("redis adapter: events reach the other nodes, never their sender; topics and history are shared", async () => {
  await using redis = await startRedis();
  const { a, b, heardA, heardB } = await twoNodes(redis);
  try {
    const event: ChatEvent = { kind: "all", line: "* hello" };
    a.publish(event);
    a.setTopic("dev", "Deno");
    for (let i = 1; i <= 7; i++) a.record("dev", { at: i, line: `<x> ${i}` });
    // b's query is answered after a's writes were done: a sent them first, but on
    // another connection, so ask until they show.
    await eventually(async () => (await b.history("dev")).length === 5);
    assert.deepEqual((await b.history("DEV")).map((e) => e.at), [3, 4, 5, 6, 7]);
    assert.equal(await b.topic("Dev"), "Deno");
    await eventually(() => heardB.events.length > 0);
    assert.deepEqual(heardB.events, [event]);
    assert.deepEqual(heardA.events, []);
    assert.ok(/^\d+$/.test(String(await a.nextGuestNumber())));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("redis adapter: a node whose users vanished from Redis writes them again at its next renewal", async () => {
  await using redis = await startRedis();
  const { a, b } = await twoNodes(redis);
  try {
    a.setPresence(presence("a:1:00/1", "carol", "dev"));
    await eventually(async () => (await b.userCount()) === 1);
    // What a Redis paused for longer than the TTL leaves behind.
    await redisCli(redis, "DEL", "echochat:node:a:1:00:users", "echochat:node:a:1:00:rooms");
    assert.equal(await b.userCount(), 0);
    await eventually(async () => (await b.members("dev")).length === 1);
    assert.deepEqual((await b.rooms()).find((r) => r.name === "dev")?.users, 1);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
