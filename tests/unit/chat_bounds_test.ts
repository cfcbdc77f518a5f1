/**
 * No chat command makes the server send unbounded output, and the number
 * of rooms is bounded (issue: output amplification).
 */
import assert from "node:assert/strict";
import { ChatHarness } from "../helpers/chat_harness.ts";

Deno.test("chat: /rooms, /who and /users answers are bounded however many rooms and users there are", async () => {
  await using chat = new ChatHarness();
  const asker = await chat.connect();
  const crowd = [];
  for (let i = 0; i < 120; i++) {
    const user = await chat.connect();
    user.send(`/topic ${"t".repeat(150)}`);
    user.send(i < 60 ? `/join room${String(i).padStart(3, "0")}` : "hello");
    crowd.push(user);
  }
  await chat.settle();
  asker.fresh();
  for (const command of ["/rooms", "/who", "/users"]) {
    const before = asker.peer.writes.reduce((n, bytes) => n + bytes.length, 0);
    asker.send(command);
    await chat.settle();
    const after = asker.peer.writes.reduce((n, bytes) => n + bytes.length, 0);
    assert.ok(after - before < 4096, `${command} answered ${after - before} bytes`);
  }
  const [rooms, who, ...users] = asker.fresh();
  assert.match(rooms!, /^\* Rooms: #lobby \(61\) "t+\.\.\.", #room000 \(1\), .* and 36 more$/);
  assert.match(who!, /^\* In #lobby \(61\): .* and 11 more$/);
  assert.equal(users[0], "* 121 people online, most recently active first:");
  assert.equal(users.at(-1), "*   and 96 more");
});

Deno.test("chat: --max-rooms bounds the rooms; joining an existing room is still allowed", async () => {
  await using chat = new ChatHarness({ maxRooms: 3 });
  const [a, b, c] = [await chat.connect(), await chat.connect(), await chat.connect()];
  a.send("/join one");
  b.send("/join two");
  c.send("/join three");
  c.send("/join two");
  await chat.settle();
  assert.deepEqual(c.fresh().slice(-2), [
    "! There are 3 rooms already, the most this server allows: /rooms lists them",
    "* You joined #two (2 people here)",
  ]);
});
