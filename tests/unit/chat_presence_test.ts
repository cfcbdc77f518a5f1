/**
 * Chat presence, history, topics and announcements, in-process with a
 * manual clock (tests/helpers/chat_harness.ts).
 */
import assert from "node:assert/strict";
import { ChatHarness } from "../helpers/chat_harness.ts";
import { MemoryPeer } from "../helpers/memory_stream.ts";

Deno.test("chat: a connection is announced on its first line, or after a moment; one that leaves at once never is", async () => {
  await using chat = new ChatHarness();
  const watcher = await chat.connect();
  watcher.send("here"); // the watcher is announced itself
  const talker = await chat.connect();
  const reader = await chat.connect();
  const scan = await chat.connect();
  scan.peer.end(); // nc -z: connects and leaves without a byte
  await chat.settle();
  talker.send("hi");
  await chat.settle();
  assert.deepEqual(watcher.fresh(), [
    `* ${talker.guestNick} joined #lobby`,
    `[lobby] <${talker.guestNick}> hi`,
  ]);
  await chat.advance(999);
  assert.deepEqual(watcher.fresh(), []);
  await chat.advance(1);
  assert.deepEqual(watcher.fresh(), [`* ${reader.guestNick} joined #lobby`]);
  assert.ok(!watcher.lines.some((line) => line.includes(scan.guestNick)), "the scan was shown");
});

Deno.test("chat: a user who leaves after /quit is gone for everyone at once, while the socket lingers", async () => {
  await using chat = new ChatHarness();
  const bob = await chat.connect();
  const alice = await chat.connect();
  bob.send("/nick ghost");
  alice.send("hello");
  await chat.settle();
  bob.send("/quit see ya"); // nc keeps its socket open: no FIN from bob
  await chat.settle();
  assert.ok(!bob.peer.closed, "the test needs a lingering socket");
  alice.send("/who");
  alice.send("/msg ghost hi");
  alice.send("/nick ghost");
  await chat.settle();
  assert.deepEqual(alice.fresh().slice(-4), [
    "* ghost quit (see ya)",
    `* In #lobby (1): ${alice.guestNick}`,
    "! No one is called ghost: /who lists the people in a room",
    "* You are now known as ghost",
  ]);
});

Deno.test("chat: /who on an empty lobby lists nobody instead of saying there is no such room", async () => {
  await using chat = new ChatHarness();
  const user = await chat.connect();
  user.send("/join dev");
  user.send("/who lobby");
  await chat.settle();
  assert.equal(user.fresh().at(-1), "* In #lobby (0): nobody");
});

Deno.test("chat: joining a room shows its topic and its last lines with their times", async () => {
  await using chat = new ChatHarness({ history: 2 });
  const alice = await chat.connect();
  alice.send("/nick alice");
  alice.send("/join dev");
  alice.send("/topic Rust and Deno");
  alice.send("first");
  await chat.advance(60_000);
  alice.send("second");
  alice.send("/me waves");
  await chat.settle();
  const bob = await chat.connect();
  bob.send("/join DEV");
  await chat.settle();
  assert.deepEqual(bob.fresh(), [
    "* You joined #dev (2 people here)",
    "* Topic of #dev: Rust and Deno",
    "* Last 2 lines in #dev (UTC):",
    "[dev] 12:01 <alice> second",
    "[dev] 12:01 * alice waves",
    "* End of history",
  ]);
  bob.send("/rooms");
  await chat.settle();
  assert.equal(bob.fresh().at(-1), '* Rooms: #dev (2) "Rust and Deno", #lobby (0)');
});

Deno.test("chat: --history 0 shows no history", async () => {
  await using chat = new ChatHarness({ history: 0 });
  const alice = await chat.connect();
  alice.send("/join dev");
  alice.send("something");
  const bob = await chat.connect();
  bob.send("/join dev");
  await chat.settle();
  assert.deepEqual(bob.fresh(), ["* You joined #dev (2 people here)"]);
});

Deno.test("chat: /away is shown in /who, /whois and to senders of private messages, and ends when the user talks", async () => {
  await using chat = new ChatHarness();
  const alice = await chat.connect();
  const bob = await chat.connect();
  alice.send("/nick alice");
  bob.send("/nick bob");
  alice.send("/away lunch");
  await chat.settle();
  await chat.advance(125_000);
  bob.send("/who");
  bob.send("/whois alice");
  bob.send("/msg alice back soon?");
  await chat.settle();
  assert.deepEqual(bob.fresh().slice(-4), [
    "* In #lobby (2): alice (away), bob",
    "* alice is in #lobby, connected for 2m 5s, idle for 2m 5s, using a raw client (nc or similar); away: lunch",
    "* To alice: back soon?",
    "* alice is away: lunch",
  ]);
  alice.send("I'm back");
  bob.send("/whois alice");
  await chat.settle();
  assert.ok(alice.fresh().includes("* You are back"));
  assert.match(
    bob.fresh().at(-1)!,
    /^\* alice is in #lobby, connected for 2m 5s, idle for 0s, using/,
  );
  alice.send("/away");
  alice.send("/away");
  await chat.settle();
  assert.deepEqual(alice.fresh().slice(-2), ["* You are away: away", "* You are back"]);
});

Deno.test("chat: /users lists everyone, most recently active first, with room and idle time", async () => {
  await using chat = new ChatHarness();
  const [a, b] = [await chat.connect(), await chat.connect()];
  a.send("/nick ann");
  b.send("/nick ben");
  b.send("/join dev");
  await chat.settle();
  await chat.advance(30_000);
  a.send("talking");
  a.send("/users");
  await chat.settle();
  assert.deepEqual(a.fresh().slice(-3), [
    "* 2 people online, most recently active first:",
    "*   ann in #lobby, idle 0s",
    "*   ben in #dev, idle 30s",
  ]);
});

Deno.test("chat: talking in a room where nobody else is gets a hint, once", async () => {
  await using chat = new ChatHarness();
  const loner = await chat.connect();
  loner.send("/join void");
  loner.send("hello?");
  loner.send("anyone?");
  await chat.settle();
  const hints = loner.fresh().filter((line) => line.startsWith("* Nobody else is in #void"));
  assert.equal(hints.length, 1);
});

Deno.test("chat: /stats reports uptime, users, rooms, lines and this connection's bytes", async () => {
  await using chat = new ChatHarness();
  const user = await chat.connect();
  user.send("/join dev");
  user.send("one line");
  await chat.advance(3_723_000);
  user.send("/stats");
  await chat.settle();
  assert.match(
    user.fresh().at(-1)!,
    /^\* Up 1h 2m; 1 person online in 2 rooms; 1 line relayed here; you: \d+ bytes in, \d+ bytes out$/,
  );
});

Deno.test("chat: the first chat user is guest-1, however many connections came before", async () => {
  await using chat = new ChatHarness();
  const echo = { handler: { onOpen: () => null, onData() {} } };
  for (let i = 0; i < 5; i++) chat.reactor.add("echo", echo, new MemoryPeer(50000 + i).stream);
  const first = await chat.connect();
  assert.equal(first.guestNick, "guest-1");
});

Deno.test("chat: many arrivals within one heartbeat are announced in one line", async () => {
  await using chat = new ChatHarness();
  const watcher = await chat.connect();
  watcher.send("/nick watcher");
  const crowd = [];
  for (let i = 0; i < 12; i++) crowd.push(await chat.connect());
  watcher.fresh();
  await chat.advance(1000);
  const lines = watcher.fresh();
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0]!, /^\* 12 people joined #lobby: guest-2, guest-3, .* and 2 more$/);
});
