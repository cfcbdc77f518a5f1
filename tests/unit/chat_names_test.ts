import assert from "node:assert/strict";
import {
  nameKey,
  NICK_RULE,
  ROOM_RULE,
  validateNick,
  validateRoomName,
} from "../../server/chat/names.ts";

Deno.test("names: valid nicknames keep their spelling", () => {
  for (const nick of ["a", "Bob", "alice_2", "x-y", "-", "_", "A".repeat(24), "guest-12"]) {
    assert.deepEqual(validateNick(nick), { ok: true, name: nick });
  }
});

Deno.test("names: invalid nicknames get an actionable message", () => {
  for (
    const nick of ["", "A".repeat(25), "bob smith", "bob!", "#bob", "été", "bob\n", " bob", "a.b"]
  ) {
    assert.deepEqual(validateNick(nick), { ok: false, error: NICK_RULE }, JSON.stringify(nick));
  }
});

Deno.test("names: a room name may start with one #, which is not part of it", () => {
  assert.deepEqual(validateRoomName("#Rust"), { ok: true, name: "Rust" });
  assert.deepEqual(validateRoomName("lobby"), { ok: true, name: "lobby" });
  assert.deepEqual(validateRoomName("#" + "r".repeat(24)), { ok: true, name: "r".repeat(24) });
  assert.deepEqual(validateRoomName("##Rust"), { ok: false, error: ROOM_RULE }, "one # only");
  for (const room of ["", "#", "##x", "#a b", "r".repeat(25), "a#b", "ünï"]) {
    assert.deepEqual(validateRoomName(room), { ok: false, error: ROOM_RULE }, JSON.stringify(room));
  }
});

Deno.test("names: nameKey ignores case", () => {
  assert.equal(nameKey("BoB-_9"), "bob-_9");
  assert.equal(nameKey("bob"), nameKey("BOB"));
  assert.notEqual(nameKey("bob"), nameKey("bob_"));
});
