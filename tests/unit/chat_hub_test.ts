/**
 * One chat across workers: two chat nodes on hub adapters, joined by a
 * ChatHub over real MessageChannels (what worker threads use).
 */
import assert from "node:assert/strict";
import { ChatHub } from "../../server/chat/adapter/chat_hub.ts";
import { HubAdapter } from "../../server/chat/adapter/hub_adapter.ts";
import { ChatHarness } from "../helpers/chat_harness.ts";
import { MemoryPeer } from "../helpers/memory_stream.ts";

/** Waits until every message in flight between the ports has been handled. */
async function quiet(...harnesses: ChatHarness[]): Promise<void> {
  for (let i = 0; i < 5; i++) {
    for (const harness of harnesses) await harness.settle();
  }
}

async function twoWorkers() {
  const hub = new ChatHub({ historyLines: 20 });
  const nodes = ["w1", "w2"].map((nodeId) => {
    const channel = new MessageChannel();
    hub.attach(nodeId, channel.port1);
    return new ChatHarness({}, new HubAdapter(nodeId, channel.port2));
  });
  for (const node of nodes) await node.start();
  return { hub, nodes: nodes as [ChatHarness, ChatHarness] };
}

Deno.test("chat hub: users on two workers share rooms, nicks, presence and history", async () => {
  const { hub, nodes: [one, two] } = await twoWorkers();
  try {
    const alice = await one.connect();
    const bob = await two.connect();
    await quiet(one, two);
    assert.notEqual(alice.guestNick, bob.guestNick, "guest numbers collided across workers");
    alice.send("/nick alice");
    await quiet(one, two);
    bob.send("/nick ALICE");
    bob.send("/nick bob");
    bob.send("hello from worker two");
    await quiet(one, two);
    assert.ok(bob.fresh().includes("! The nickname ALICE is taken: choose another"));
    assert.ok(alice.fresh().includes("[lobby] <bob> hello from worker two"));
    alice.send("/msg bob psst");
    alice.send("/join dev");
    alice.send("for the record");
    await quiet(one, two);
    bob.send("/who dev");
    bob.send("/join dev");
    await quiet(one, two);
    const seen = bob.fresh();
    assert.ok(seen.includes("[private] <alice> psst"));
    assert.ok(seen.includes("* In #dev (1): alice"));
    assert.ok(seen.some((line) => line.endsWith("<alice> for the record")), seen.join("\n"));
    assert.equal(hub.users, 2);
  } finally {
    await one.reactor.abort();
    await two.reactor.abort();
  }
});

Deno.test("chat hub: two workers claiming one nick at the same time: exactly one wins", async () => {
  const { nodes: [one, two] } = await twoWorkers();
  try {
    const a = await one.connect();
    const b = await two.connect();
    await quiet(one, two);
    a.send("/nick same");
    b.send("/nick SAME");
    await quiet(one, two);
    const wins = [...a.fresh(), ...b.fresh()].filter((line) =>
      line.startsWith("* You are now known")
    );
    assert.equal(wins.length, 1);
  } finally {
    await one.reactor.abort();
    await two.reactor.abort();
  }
});

Deno.test("chat hub: a worker that goes away frees its users' nicks and the others are told", async () => {
  const { hub, nodes: [one, two] } = await twoWorkers();
  try {
    const lost = await one.connect();
    const stays = await two.connect();
    lost.send("/nick lost");
    stays.send("here");
    await quiet(one, two);
    hub.detach("w1");
    await quiet(one, two);
    assert.ok(stays.fresh().includes("* lost left (connection lost)"));
    stays.send("/nick lost");
    await quiet(one, two);
    assert.ok(stays.fresh().includes("* You are now known as lost"));
  } finally {
    await one.reactor.abort();
    await two.reactor.abort();
  }
});

Deno.test("chat hub: lines piped in before the peer's FIN are all handled, then the user leaves", async () => {
  const { nodes: [one, two] } = await twoWorkers();
  try {
    const watcher = await two.connect();
    watcher.send("watching");
    await quiet(one, two);
    // Like `printf '/nick x\nhello\n' | nc -N`: everything arrives, then FIN,
    // while the answers from the hub are still on their way.
    const piped = new MemoryPeer(41000);
    one.reactor.add("chat", one.chat, piped.stream);
    piped.send("/nick piper\nhello there\n");
    piped.end();
    await quiet(one, two);
    const seen = watcher.fresh();
    assert.ok(seen.includes("[lobby] <piper> hello there"), seen.join("\n"));
    assert.ok(seen.includes("* piper left"), seen.join("\n"));
    assert.match(piped.text, /\* You are now known as piper\r\n/);
  } finally {
    await one.reactor.abort();
    await two.reactor.abort();
  }
});

Deno.test("chat hub: what a worker posted before it was detached does not bring its users back", async () => {
  const hub = new ChatHub({ historyLines: 0 });
  const dead = new MessageChannel();
  hub.attach("w1-1", dead.port1);
  // The worker's last words, still in flight when it is detached.
  dead.port2.postMessage({ kind: "call", op: "claimNick", args: ["w1-1/7", "alice"] });
  dead.port2.postMessage({
    kind: "call",
    op: "setPresence",
    args: [{
      id: "w1-1/7",
      nick: "alice",
      room: "lobby",
      client: "raw",
      since: 0,
      lastActive: 0,
      away: null,
    }],
  });
  hub.detach("w1-1");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(hub.users, 0);
  const next = new MessageChannel();
  hub.attach("w1-2", next.port1);
  const adapter = new HubAdapter("w1-2", next.port2);
  await adapter.start({ event: () => {}, link: () => {} });
  assert.equal(await adapter.claimNick("w1-2/9", "alice"), true);
  dead.port2.close();
  next.port1.close();
  next.port2.close();
});
