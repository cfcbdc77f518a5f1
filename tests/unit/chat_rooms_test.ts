import assert from "node:assert/strict";
import { LOBBY, Rooms } from "../../server/chat/rooms.ts";

interface Session {
  id: number;
}
const session = (id: number): Session => ({ id });

Deno.test("rooms: the lobby always exists, even empty", () => {
  const rooms = new Rooms<Session>();
  assert.equal(LOBBY, "lobby");
  assert.deepEqual(rooms.list(), [{ name: "lobby", count: 0 }]);
  const a = session(1);
  rooms.join(a, LOBBY);
  rooms.leave(a);
  assert.deepEqual(rooms.list(), [{ name: "lobby", count: 0 }]);
  assert.equal(rooms.members(LOBBY).size, 0);
});

Deno.test("rooms: join moves a member; each member is in exactly one room", () => {
  const rooms = new Rooms<Session>();
  const a = session(1), b = session(2);
  assert.deepEqual(rooms.join(a, LOBBY), { room: "lobby", left: undefined, moved: true });
  rooms.join(b, LOBBY);
  assert.deepEqual(rooms.join(a, "Rust"), { room: "Rust", left: "lobby", moved: true });
  assert.equal(rooms.roomOf(a), "Rust");
  assert.deepEqual([...rooms.members("lobby")], [b]);
  assert.deepEqual([...rooms.members("rust")], [a]);
  assert.deepEqual(rooms.join(a, "RUST"), { room: "Rust", left: undefined, moved: false });
  assert.deepEqual([...rooms.members("Rust")], [a]);
});

Deno.test("rooms: a room is created on demand and deleted when empty", () => {
  const rooms = new Rooms<Session>();
  const a = session(1), b = session(2);
  rooms.join(a, "deno");
  rooms.join(b, "Deno");
  assert.equal(rooms.nameOf("DENO"), "deno", "first spelling wins");
  assert.deepEqual(rooms.list(), [{ name: "deno", count: 2 }, { name: "lobby", count: 0 }]);
  assert.equal(rooms.leave(a), "deno");
  assert.deepEqual(rooms.join(b, LOBBY), { room: "lobby", left: "deno", moved: true });
  assert.equal(rooms.nameOf("deno"), undefined);
  assert.equal(rooms.members("deno").size, 0);
  assert.deepEqual(rooms.list(), [{ name: "lobby", count: 1 }]);
  rooms.join(a, "DENO");
  assert.equal(rooms.nameOf("deno"), "DENO", "recreated with the new spelling");
});

Deno.test("rooms: list is sorted by name ignoring case, with counts", () => {
  const rooms = new Rooms<Session>();
  const names = ["zeta", "Alpha", "beta", "beta", "Mid", "lobby"];
  names.forEach((name, i) => rooms.join(session(i), name));
  assert.deepEqual(rooms.list(), [
    { name: "Alpha", count: 1 },
    { name: "beta", count: 2 },
    { name: "lobby", count: 1 },
    { name: "Mid", count: 1 },
    { name: "zeta", count: 1 },
  ]);
});

Deno.test("rooms: leave of a member in no room, and unknown rooms", () => {
  const rooms = new Rooms<Session>();
  assert.equal(rooms.leave(session(1)), undefined);
  assert.equal(rooms.roomOf(session(1)), undefined);
  assert.equal(rooms.members("nowhere").size, 0);
  assert.throws(() => rooms.join(session(1), "#hash"), RangeError);
  assert.throws(() => rooms.join(session(1), ""), RangeError);
});

Deno.test("rooms: many members join and leave (O(1) each, consistent counts)", () => {
  const rooms = new Rooms<Session>();
  const all = Array.from({ length: 10_000 }, (_, i) => session(i));
  for (const s of all) rooms.join(s, `r${s.id % 10}`);
  assert.equal(rooms.members("r3").size, 1000);
  for (const s of all) if (Math.floor(s.id / 10) % 2 === 0) rooms.leave(s);
  assert.deepEqual(rooms.list().map((r) => `${r.name}:${r.count}`), [
    "lobby:0",
    ...Array.from({ length: 10 }, (_, i) => `r${i}:500`),
  ]);
  for (const s of all) if (s.id % 10 !== 4) rooms.leave(s);
  assert.deepEqual(rooms.list(), [{ name: "lobby", count: 0 }, { name: "r4", count: 500 }]);
  for (const s of all) rooms.leave(s);
  assert.deepEqual(rooms.list(), [{ name: "lobby", count: 0 }]);
});
