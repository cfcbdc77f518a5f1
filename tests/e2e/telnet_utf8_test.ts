/**
 * Non-ASCII text typed in the real `telnet` reaches other users byte for
 * byte, because the chat asks for BINARY input at connect.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../helpers/chat_client.ts";
import { startServer } from "../helpers/server_process.ts";
import { Terminal } from "../helpers/terminal.ts";

/** Each has bytes that telnet used to send as IAC IP (0x83), IAC AO (0x8F) or IAC BRK (0x9C). */
const TEXTS = [
  "привет всем, у меня всё хорошо",
  "Ελληνικά: σας ευχαριστώ",
  "日本語 한국어 👍🏽",
];

Deno.test("telnet: Cyrillic, Greek, CJK and emoji arrive byte-exact; Ctrl-C still works", async () => {
  await using server = await startServer(["--echo-port", "off"]);
  const observer = await ChatClient.connect(server.chatPort!);
  const telnet = new Terminal(`telnet 127.0.0.1 ${server.chatPort}`);
  try {
    await telnet.waitFor("Type /help for commands");
    await telnet.type("/nick tanya\r");
    await telnet.waitFor("* You are now known as tanya");
    for (const text of TEXTS) {
      await telnet.type(`${text}\r`);
      const line = await observer.waitFor((l) => l.startsWith("[lobby] <tanya> "));
      observer.lines.splice(observer.lines.indexOf(line), 1);
      // Compared as bytes: a corrupted byte could still decode to valid UTF-8.
      assert.deepEqual(
        new TextEncoder().encode(line),
        new TextEncoder().encode(`[lobby] <tanya> ${text}`),
      );
    }
    // The user's own Enter still returns to column 0 (no staircase): the
    // server does not switch the client's output to BINARY.
    await telnet.waitFor(`${TEXTS[0]}\r\n`);

    // Ctrl-C in BINARY mode: telnet sends IAC IP and IAC DO TIMING-MARK and
    // discards output until answered; the half line never reaches anyone.
    await telnet.type("половина строки\x03");
    await telnet.type("после ctrl-c\r");
    await observer.waitFor("[lobby] <tanya> после ctrl-c");
    await observer.send("ты меня слышишь?");
    await telnet.waitFor("[lobby] <guest-1> ты меня слышишь?");
    await observer.sync();
    assert.ok(!observer.lines.some((line) => line.includes("половина")));

    await telnet.type("/quit\r");
    await telnet.waitFor("Connection closed by foreign host.");
  } finally {
    await telnet.close();
  }
  await observer.waitFor("* tanya quit");
  await observer.close();
});

Deno.test("telnet: AYT floods get one answer, not one per AYT", async () => {
  await using server = await startServer(["--echo-port", "off"]);
  const client = await ChatClient.connect(server.chatPort!);
  const flood = new Uint8Array(400_000);
  for (let i = 0; i < flood.length; i += 2) flood.set([255, 246], i);
  const started = performance.now();
  await client.sendBytes(flood);
  await client.sync();
  const elapsed = performance.now() - started;
  const answers = client.lines.filter((line) => /^\[echochat [\d.]+: yes\]$/.test(line)).length;
  // One at once, and one more per 5 s the flood took to get through.
  assert.ok(answers >= 1, "the first AYT is answered");
  assert.ok(answers <= 1 + elapsed / 5000, `${answers} answers in ${elapsed} ms`);
  await client.close();
});
