import assert from "node:assert/strict";
import { HELP_LINES, parseCommand } from "../../server/chat/commands.ts";
import { NICK_RULE, ROOM_RULE } from "../../server/chat/names.ts";

const error = (message: string) => ({ kind: "error", message });

Deno.test("commands: plain text is said as is", () => {
  assert.deepEqual(parseCommand("hello there"), { kind: "say", text: "hello there" });
  assert.deepEqual(parseCommand("  /not a command"), { kind: "say", text: "  /not a command" });
  assert.deepEqual(parseCommand("a/b"), { kind: "say", text: "a/b" });
});

Deno.test("commands: // says the text with one / removed", () => {
  assert.deepEqual(parseCommand("//nick is a command"), {
    kind: "say",
    text: "/nick is a command",
  });
  assert.deepEqual(parseCommand("///"), { kind: "say", text: "//" });
  assert.deepEqual(parseCommand("//"), { kind: "say", text: "/" });
});

Deno.test("commands: argument-less commands", () => {
  assert.deepEqual(parseCommand("/help"), { kind: "help" });
  assert.deepEqual(parseCommand("/help nick"), { kind: "help" }, "help always helps");
  assert.deepEqual(parseCommand("/part"), { kind: "part" });
  assert.deepEqual(parseCommand("/rooms"), { kind: "rooms" });
  assert.deepEqual(parseCommand("/part now"), error("Usage: /part"));
  assert.deepEqual(parseCommand("/rooms all"), error("Usage: /rooms"));
});

Deno.test("commands: names are case-insensitive, arguments keep their case", () => {
  assert.deepEqual(parseCommand("/HELP"), { kind: "help" });
  assert.deepEqual(parseCommand("/Nick Bob"), { kind: "nick", nick: "Bob" });
  assert.deepEqual(parseCommand("/JoIn #Rust"), { kind: "join", room: "Rust" });
  assert.deepEqual(parseCommand("/MSG Al Hi There"), { kind: "msg", nick: "Al", text: "Hi There" });
});

Deno.test("commands: /nick", () => {
  assert.deepEqual(parseCommand("/nick alice"), { kind: "nick", nick: "alice" });
  assert.deepEqual(parseCommand("/nick   alice  "), { kind: "nick", nick: "alice" });
  assert.deepEqual(parseCommand("/nick"), error("Usage: /nick NAME"));
  assert.deepEqual(parseCommand("/nick a b"), error("Usage: /nick NAME"));
  assert.deepEqual(parseCommand("/nick al!ce"), error(NICK_RULE));
  assert.deepEqual(parseCommand("/nick " + "x".repeat(25)), error(NICK_RULE));
});

Deno.test("commands: /join", () => {
  assert.deepEqual(parseCommand("/join rust"), { kind: "join", room: "rust" });
  assert.deepEqual(parseCommand("/join #rust"), { kind: "join", room: "rust" });
  assert.deepEqual(parseCommand("/join"), error("Usage: /join ROOM"));
  assert.deepEqual(parseCommand("/join a b"), error("Usage: /join ROOM"));
  assert.deepEqual(parseCommand("/join #"), error(ROOM_RULE));
  assert.deepEqual(parseCommand("/join r.s"), error(ROOM_RULE));
});

Deno.test("commands: /who with and without a room", () => {
  assert.deepEqual(parseCommand("/who"), { kind: "who" });
  assert.equal("room" in parseCommand("/who"), false, "no room key at all");
  assert.deepEqual(parseCommand("/who #lobby"), { kind: "who", room: "lobby" });
  assert.deepEqual(parseCommand("/who a b"), error("Usage: /who [ROOM]"));
  assert.deepEqual(parseCommand("/who !"), error(ROOM_RULE));
});

Deno.test("commands: /msg requires a valid nick and some text", () => {
  assert.deepEqual(parseCommand("/msg bob hi  there "), {
    kind: "msg",
    nick: "bob",
    text: "hi  there",
  });
  assert.deepEqual(parseCommand("/msg  bob   hi"), { kind: "msg", nick: "bob", text: "hi" });
  assert.deepEqual(parseCommand("/msg"), error("Usage: /msg NICK text"));
  assert.deepEqual(parseCommand("/msg bob"), error("Usage: /msg NICK text"));
  assert.deepEqual(parseCommand("/msg bob   "), error("Usage: /msg NICK text"));
  assert.deepEqual(parseCommand("/msg b@b hi"), error(NICK_RULE));
});

Deno.test("commands: /me requires an action", () => {
  assert.deepEqual(parseCommand("/me waves  hello"), { kind: "me", action: "waves  hello" });
  assert.deepEqual(parseCommand("/me"), error("Usage: /me action"));
  assert.deepEqual(parseCommand("/me    "), error("Usage: /me action"));
});

Deno.test("commands: /quit with an optional message", () => {
  assert.deepEqual(parseCommand("/quit"), { kind: "quit" });
  assert.equal("message" in parseCommand("/quit"), false);
  assert.deepEqual(parseCommand("/quit see you  later"), {
    kind: "quit",
    message: "see you  later",
  });
});

Deno.test("commands: unknown and empty commands say what would work", () => {
  assert.deepEqual(
    parseCommand("/foo bar"),
    error("Unknown command /foo: type /help for the list of commands"),
  );
  assert.deepEqual(
    parseCommand("/FOO"),
    error("Unknown command /FOO: type /help for the list of commands"),
  );
  assert.deepEqual(
    parseCommand("/" + "z".repeat(100)),
    error(`Unknown command /${"z".repeat(32)}...: type /help for the list of commands`),
  );
  assert.deepEqual(
    parseCommand("/"),
    error(
      "Missing command after /: type /help for the list of commands, " +
        "or start the line with // to send text beginning with /",
    ),
  );
  assert.deepEqual(parseCommand("/ nick bob").kind, "error");
});

Deno.test("commands: the help text mentions every command", () => {
  const text = HELP_LINES.join("\n");
  for (
    const name of [
      "/help",
      "/nick",
      "/join",
      "/part",
      "/rooms",
      "/who",
      "/msg",
      "/me",
      "/quit",
      "//",
    ]
  ) {
    assert.ok(text.includes(name), name);
  }
  for (const line of HELP_LINES) {
    assert.ok(!line.includes("\n") && line.length > 0 && line.length <= 100, line);
  }
});
