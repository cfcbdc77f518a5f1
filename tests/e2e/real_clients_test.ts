/**
 * The real Debian clients, `nc` (netcat-openbsd) and `telnet`, driven the
 * way a person would drive them.
 */
import assert from "node:assert/strict";
import { ChatClient, TELNET_OPENING } from "../helpers/chat_client.ts";
import { renderScreen } from "../helpers/screen.ts";
import { startServer } from "../helpers/server_process.ts";
import { Terminal } from "../helpers/terminal.ts";

Deno.test("real clients: an nc user chats with another user", async () => {
  await using server = await startServer(["--echo-port", "off"]);
  const observer = await ChatClient.connect(server.chatPort!);
  await observer.send("/nick olga");
  const nc = new Deno.Command("nc", {
    args: ["-N", "127.0.0.1", String(server.chatPort)],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const keyboard = nc.stdin.getWriter();
  await keyboard.write(new TextEncoder().encode("/nick carol\nhello from nc\n"));
  await observer.waitFor("[lobby] <carol> hello from nc");
  await observer.send("hi carol");
  await observer.sync();
  await keyboard.write(new TextEncoder().encode("/quit\n"));
  await keyboard.close();
  const raw = (await nc.output()).stdout;
  // nc prints the telnet opening as it comes; on a terminal its CR and
  // erase-line wipe the two replacement glyphs before the banner.
  assert.deepEqual([...raw.subarray(0, TELNET_OPENING.length)], TELNET_OPENING);
  const output = new TextDecoder().decode(raw.subarray(TELNET_OPENING.length));
  assert.match(output, /^Welcome to echochat .*\r\nYou are guest-2, in #lobby\./);
  const screen = renderScreen(new TextDecoder().decode(raw));
  assert.match(screen[0]!, /^Welcome to echochat /);
  assert.ok(!screen.some((line) => line.includes("\uFFFD")), screen.join("\n"));
  assert.ok(output.includes("* You are now known as carol\r\n"));
  assert.ok(output.includes("[lobby] <olga> hi carol\r\n"));
  assert.ok(output.endsWith("* Bye!\r\n"));
  await observer.waitFor("* carol quit");
  await observer.close();
});

Deno.test("real clients: a scripted nc user (printf | nc -N) gets readable output", async () => {
  await using server = await startServer(["--echo-port", "off"]);
  const nc = new Deno.Command("sh", {
    args: ["-c", `printf '/who\\n' | nc -N 127.0.0.1 ${server.chatPort}`],
    stdout: "piped",
    stderr: "null",
  });
  const { code, stdout } = await nc.output();
  assert.equal(code, 0);
  const screen = renderScreen(new TextDecoder().decode(stdout));
  // What the terminal shows: the banner, the answer, and nothing else.
  assert.match(screen[0]!, /^Welcome to echochat \d+\.\d+\.\d+! 1 person online\.$/);
  assert.match(screen[1]!, /^You are guest-\d+, in #lobby\./);
  assert.match(screen[2]!, /^After 5m without input you get a warning and 30 s to answer/);
  assert.match(screen[3]!, /^\* In #lobby \(1\): guest-\d+$/);
  assert.equal(screen.length, 4);
});

Deno.test("real clients: a telnet user chats, and Ctrl-C neither hangs telnet nor sends the half line", async () => {
  await using server = await startServer(["--echo-port", "off"]);
  const observer = await ChatClient.connect(server.chatPort!);
  const telnet = new Terminal(`telnet 127.0.0.1 ${server.chatPort}`);
  try {
    await telnet.waitFor("Type /help for commands");
    await telnet.type("/nick dave\r");
    await telnet.waitFor("* You are now known as dave");
    await telnet.type("hello from telnet\r");
    await observer.waitFor("[lobby] <dave> hello from telnet");
    // Ctrl-C in the middle of a line: telnet sends IAC IP and IAC DO TIMING-MARK.
    await telnet.type("half a line\x03");
    await telnet.type("after ctrl-c\r");
    await observer.waitFor("[lobby] <dave> after ctrl-c");
    // telnet still shows what others say (it is not waiting for a timing mark).
    await observer.send("can you hear me?");
    await telnet.waitFor("[lobby] <guest-1> can you hear me?");
    await observer.sync();
    assert.ok(!observer.lines.some((line) => line.includes("half a line")));
    await telnet.type("/quit\r");
    await telnet.waitFor("Connection closed by foreign host.");
  } finally {
    await telnet.close();
  }
  await observer.waitFor("* dave quit");
  await observer.close();
});

Deno.test("real clients: telnet to the echo port gets every line back", async () => {
  await using server = await startServer(["--chat-port", "off"]);
  const telnet = new Terminal(`telnet 127.0.0.1 ${server.echoPort}`);
  try {
    await telnet.waitFor("Escape character is '^]'.");
    await telnet.type("ping-42\r");
    // Once from the terminal's own echo of the typing, once from the server.
    await telnet.waitFor("ping-42", { times: 2 });
    await telnet.type("\x1d");
    await telnet.waitFor("telnet>");
    await telnet.type("quit\r");
    await telnet.waitFor("Connection closed.");
  } finally {
    await telnet.close();
  }
  await server.waitForLog((r) => r.reason === "eof" && r.bytesIn === r.bytesOut);
});
