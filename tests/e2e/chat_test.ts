/**
 * The chat protocol end to end: the real program, real sockets.
 */
import assert from "node:assert/strict";
import { ChatClient, TELNET_OPENING } from "../helpers/chat_client.ts";
import { startServer } from "../helpers/server_process.ts";
import { connect, readAll, writeAll } from "../helpers/socket.ts";

const CHAT_ONLY = ["--echo-port", "off"];

Deno.test("chat: two users see each other's messages but never their own", async () => {
  await using server = await startServer(CHAT_ONLY);
  const alice = await ChatClient.connect(server.chatPort!);
  // Before the banner: IAC DO BINARY for telnet, then CR ESC [ K for nc's screen.
  assert.deepEqual(alice.opening, TELNET_OPENING);
  assert.match(alice.lines[0]!, /^Welcome to echochat \d+\.\d+\.\d+! 1 person online\.$/);
  assert.match(alice.lines[1]!, /^You are guest-\d+, in #lobby\. Type \/help/);
  const bob = await ChatClient.connect(server.chatPort!);
  assert.match(bob.lines[0]!, /2 people online/);
  await alice.waitFor(`* ${bob.defaultNick} joined #lobby`);
  await alice.send("/nick alice");
  await alice.waitFor("* You are now known as alice");
  await bob.waitFor(`* ${alice.defaultNick} is now known as alice`);
  await alice.send("hello, bob");
  await bob.waitFor("[lobby] <alice> hello, bob");
  await alice.sync();
  assert.ok(
    !alice.lines.some((line) => line.includes("hello, bob")),
    "the sender got its own line",
  );
  await alice.close();
  await bob.waitFor("* alice left");
  await bob.close();
});

Deno.test("chat: fifty users in five rooms each get exactly their room's messages", async () => {
  await using server = await startServer(CHAT_ONLY);
  const users = await Promise.all(
    Array.from({ length: 50 }, () => ChatClient.connect(server.chatPort!)),
  );
  await Promise.all(users.map(async (user, i) => {
    const from = user.lines.length;
    await user.send(`/join #room${i % 5}`);
    await user.waitFor(/^\* You joined #room\d/, { from });
  }));
  // Everyone is in place once each room reports ten members.
  for (let room = 0; room < 5; room++) {
    const asker = users[room]!;
    let from = asker.lines.length;
    while (true) {
      await asker.send("/who");
      const answer = await asker.waitFor(/^\* In #room/, { from });
      if (answer.startsWith(`* In #room${room} (10)`)) break;
      from = asker.lines.length;
    }
  }
  await Promise.all(users.map((user, i) => user.send(`message ${i}`)));
  await Promise.all(users.map(async (user, i) => {
    for (let j = i % 5; j < 50; j += 5) {
      if (j !== i) await user.waitFor(`[room${i % 5}] <${users[j]!.defaultNick}> message ${j}`);
    }
    await user.sync();
    const messages = user.lines.filter((line) => /^\[room\d\] </.test(line));
    assert.equal(messages.length, 9, `user ${i} got:\n${messages.join("\n")}`);
    assert.ok(messages.every((line) => line.startsWith(`[room${i % 5}] `)));
  }));
  await Promise.all(users.map((user) => user.close()));
});

Deno.test("chat: private messages, nick collisions ignoring case, and command errors", async () => {
  await using server = await startServer(CHAT_ONLY);
  const [alice, bob, carol] = await Promise.all(
    [0, 1, 2].map(() => ChatClient.connect(server.chatPort!)),
  );
  await alice!.send("/nick Alice");
  await alice!.waitFor("* You are now known as Alice");
  await bob!.send("/nick ALICE");
  await bob!.waitFor("! The nickname ALICE is taken: choose another");
  await bob!.send("/nick bob");
  await bob!.waitFor("* You are now known as bob");
  await bob!.send("/msg alice psst, it's bob");
  await alice!.waitFor("[private] <bob> psst, it's bob");
  await bob!.waitFor("* To Alice: psst, it's bob");
  await bob!.send("/msg nobody hello");
  await bob!.waitFor("! No one is called nobody: /who lists the people in a room");
  await bob!.send("/msg alice");
  await bob!.waitFor(/^! Usage: \/msg NICK text/);
  await bob!.send("/nick bad name");
  await bob!.waitFor("! Usage: /nick NAME");
  await bob!.send("/nick bad!");
  await bob!.waitFor(/^! Nickname must be 1-24 letters, digits, _ or -/);
  await bob!.send("/frobnicate");
  await bob!.waitFor("! Unknown command /frobnicate: type /help for the list of commands");
  await bob!.send("/help");
  await bob!.waitFor(/^ {2}\/msg NICK text/);
  await carol!.sync();
  assert.ok(!carol!.lines.some((line) => line.includes("psst")), "a private message leaked");
  await Promise.all([alice!, bob!, carol!].map((user) => user.close()));
});

Deno.test("chat: join, part, rooms, who, me and quit notices", async () => {
  await using server = await startServer(CHAT_ONLY);
  const alice = await ChatClient.connect(server.chatPort!);
  const bob = await ChatClient.connect(server.chatPort!);
  await alice.send("/nick alice");
  await bob.send("/nick bob");
  await bob.waitFor("* You are now known as bob");
  await alice.send("/join #dev");
  await alice.waitFor("* You joined #dev (1 person here)");
  await bob.waitFor("* alice left #lobby");
  await bob.send("/join dev");
  await bob.waitFor("* You joined #dev (2 people here)");
  await alice.waitFor("* bob joined #dev");
  await alice.send("/rooms");
  await alice.waitFor("* Rooms: #dev (2), #lobby (0)");
  await alice.send("/who");
  await alice.waitFor("* In #dev (2): alice, bob");
  await alice.send("/me waves");
  await bob.waitFor("[dev] * alice waves");
  await bob.send("/part");
  await bob.waitFor("* You joined #lobby (1 person here)");
  await alice.waitFor("* bob left #dev");
  await bob.send("/join dev");
  await alice.waitFor("* bob joined #dev", { from: alice.lines.length });
  await alice.send("/quit see you");
  await alice.waitFor("* Bye!");
  await alice.closed;
  await bob.waitFor("* alice quit (see you)");
  await bob.close();
});

Deno.test("chat: a client that never reads is disconnected and does not delay the others", async () => {
  await using server = await startServer([...CHAT_ONLY, "--rate-limit", "1000000"]);
  const sender = await ChatClient.connect(server.chatPort!);
  const reader = await ChatClient.connect(server.chatPort!);
  // The stuck client connects but never reads a byte.
  const stuck = await connect(server.chatPort!);
  // A connection that stays is announced after a moment, even without a line.
  await reader.waitFor(/^\* guest-3 joined #lobby$/);
  await sender.send("/nick sender");
  await reader.waitFor("* guest-1 is now known as sender");
  const filler = "x".repeat(3900);
  const total = 8000; // ~31 MB through the room: more than socket buffers hold
  const lines: string[] = [];
  for (let i = 0; i < total; i++) lines.push(`${i} ${filler}`);
  // Paced like a real room: the reader keeps up, the stuck client falls behind.
  for (let i = 0; i < total; i += 25) {
    await sender.send(lines.slice(i, i + 25).join("\n"));
    await reader.waitFor(`[lobby] <sender> ${lines[i + 24]}`, { from: reader.lines.length - 30 });
  }
  const received = reader.lines.filter((line) => line.startsWith("[lobby] <sender> "));
  assert.equal(received.length, total, "the reading client lost lines");
  assert.ok(
    received.every((line, i) => line === `[lobby] <sender> ${i} ${filler}`),
    "lines out of order",
  );
  const closed = await server.waitForLog((r) => r.reason === "slow-consumer");
  assert.equal(closed.id, 3);
  await reader.waitFor(/^\* guest-3 left \(too slow to keep up\)$/);
  stuck.close();
  await Promise.all([sender.close(), reader.close()]);
});

Deno.test("chat: an idle user is warned, and closed with a reason if still idle", async () => {
  await using server = await startServer([
    ...CHAT_ONLY,
    "--idle-timeout",
    "1",
    "--idle-grace",
    "1",
    "--heartbeat-interval",
    "0.1",
  ]);
  const sleepy = await ChatClient.connect(server.chatPort!);
  const awake = await ChatClient.connect(server.chatPort!);
  const warning = /^! You have been idle a while: send anything within 1 s to stay connected$/;
  await Promise.all([sleepy.waitFor(warning), awake.waitFor(warning)]);
  await awake.send("/who"); // activity cancels the pending close
  await sleepy.waitFor("! Disconnected: idle for too long");
  await sleepy.closed;
  await awake.waitFor(`* ${sleepy.defaultNick} left (idle)`);
  assert.ok(!awake.lines.includes("! Disconnected: idle for too long"));
  await server.waitForLog((r) => r.reason === "idle" && r.id === 1);
  await awake.close();
});

Deno.test("chat: shutdown tells every user before closing, and the server exits 0", async () => {
  await using server = await startServer(CHAT_ONLY);
  const users = await Promise.all([0, 1, 2].map(() => ChatClient.connect(server.chatPort!)));
  server.kill("SIGTERM");
  for (const user of users) {
    await user.waitFor("! The server is shutting down. Goodbye!");
    await user.closed;
  }
  assert.equal((await server.status).code, 0);
  assert.equal(server.logs.filter((r) => r.reason === "shutdown").length, 3);
});

Deno.test("chat: flooding is refused with a notice and a flooder is disconnected", async () => {
  await using server = await startServer([...CHAT_ONLY, "--rate-limit", "5", "--rate-burst", "5"]);
  const flooder = await ChatClient.connect(server.chatPort!);
  const victim = await ChatClient.connect(server.chatPort!);
  await flooder.send(Array.from({ length: 30 }, (_, i) => `spam ${i}`).join("\n"));
  await flooder.waitFor("! Slow down: at most 5 lines per second; this line was dropped");
  await flooder.waitFor("! Disconnected for flooding");
  await flooder.closed;
  await victim.waitFor(`* ${flooder.defaultNick} left (flooding)`);
  const spam = victim.lines.filter((line) => line.includes("> spam "));
  assert.deepEqual(spam, [0, 1, 2, 3, 4].map((i) => `[lobby] <${flooder.defaultNick}> spam ${i}`));
  await victim.close();
});

Deno.test("chat: a throttled sender is told how many lines were dropped once it may speak again", async () => {
  await using server = await startServer([...CHAT_ONLY, "--rate-limit", "5", "--rate-burst", "5"]);
  const chatty = await ChatClient.connect(server.chatPort!);
  await chatty.send(Array.from({ length: 8 }, (_, i) => `line ${i}`).join("\n"));
  await chatty.waitFor("! Slow down: at most 5 lines per second; this line was dropped");
  await chatty.waitFor("* You may speak again: 3 lines were dropped");
  assert.equal(chatty.lines.filter((line) => line.startsWith("! Slow down")).length, 1);
  await chatty.close();
});

Deno.test("chat: bad input is cleaned, oversize lines are refused, telnet Ctrl-C is answered", async () => {
  await using server = await startServer([...CHAT_ONLY, "--max-line-bytes", "100"]);
  const evil = await connect(server.chatPort!);
  const observer = await ChatClient.connect(server.chatPort!);
  const evilBytes = readAll(evil);
  const bytes = (...parts: (string | number[])[]) =>
    new Uint8Array(
      parts.flatMap((p) => typeof p === "string" ? [...new TextEncoder().encode(p)] : p),
    );
  // ANSI colours, a cursor move, a bell, invalid UTF-8, CR NUL line end.
  await writeAll(evil, bytes("\x1b[31mred\x1b[0m \x1b[2J\x07ok ", [0xc3, 0x28], "\r", [0]));
  await observer.waitFor(/^\[lobby\] <guest-1> red ok \uFFFD\($/);
  await writeAll(evil, bytes("y".repeat(150), "\r\n"));
  // Telnet Ctrl-C: IAC IP, then IAC DO TIMING-MARK; the partial line is discarded.
  await writeAll(evil, bytes("half a line", [255, 244, 255, 253, 6], "after ctrl-c\r\n"));
  await observer.waitFor("[lobby] <guest-1> after ctrl-c");
  await observer.sync();
  assert.ok(!observer.lines.some((line) => line.includes("yyy") || line.includes("half")));
  await evil.closeWrite();
  const reply = await evilBytes;
  evil.close();
  const text = new TextDecoder().decode(reply);
  assert.ok(text.includes("! Line too long (over 100 bytes): it was dropped\r\n"));
  const wontTimingMark = [255, 252, 6];
  const at = reply.findIndex((_, i) => wontTimingMark.every((b, k) => reply[i + k] === b));
  assert.ok(at >= 0, "no IAC WONT TIMING-MARK reply to the telnet Ctrl-C");
  await observer.close();
});
