/**
 * What telnet and nc chat users meet, end to end with the real clients:
 * scans stay invisible, decisions take effect at once, Ctrl-C on
 * `deno task start` stops gracefully, quiet readers are told from dead
 * peers, and a full server says so.
 */
import assert from "node:assert/strict";
import { stripVTControlCharacters } from "node:util";
import { ChatClient } from "../helpers/chat_client.ts";
import { startServer } from "../helpers/server_process.ts";
import { connect, readAll, writeAll } from "../helpers/socket.ts";
import { Terminal } from "../helpers/terminal.ts";

const CHAT_ONLY = ["--echo-port", "off"];
/** Idle after 1 s, closed 1 s after the warning, checked five times a second. */
const QUICK_IDLE = [
  ...CHAT_ONLY,
  "--idle-timeout",
  "1",
  "--idle-grace",
  "1",
  "--heartbeat-interval",
  "0.2",
];

Deno.test("chat users: a port scan (nc -z) never shows in the room", async () => {
  await using server = await startServer(CHAT_ONLY);
  const watcher = await ChatClient.connect(server.chatPort!);
  for (let i = 0; i < 3; i++) {
    const scan = await new Deno.Command("nc", {
      args: ["-z", "127.0.0.1", String(server.chatPort)],
    }).output();
    assert.equal(scan.code, 0);
  }
  const reader = await ChatClient.connect(server.chatPort!);
  // A real user who only reads is announced within a heartbeat or two.
  await watcher.waitFor(`* ${reader.defaultNick} joined #lobby`);
  await watcher.sync();
  const about = watcher.lines.filter((line) => /^\* guest-\d+ (joined|left)/.test(line));
  assert.deepEqual(about, [`* ${reader.defaultNick} joined #lobby`]);
  // Nor in the log above debug: the scans' closes are the only ones so far.
  assert.deepEqual(server.logs.filter((r) => r.reason !== undefined), []);
  await Promise.all([watcher.close(), reader.close()]);
});

Deno.test("chat users: after /quit from nc (socket still open) the room is told and the nick is free at once", async () => {
  await using server = await startServer(CHAT_ONLY);
  const alice = await ChatClient.connect(server.chatPort!);
  const bob = await connect(server.chatPort!);
  const bobText = readAll(bob);
  await writeAll(bob, new TextEncoder().encode("/nick ghost\n/quit see ya\n"));
  await alice.waitFor("* ghost quit (see ya)");
  await alice.send("/who");
  await alice.waitFor(`* In #lobby (1): ${alice.defaultNick}`);
  await alice.send("/nick ghost");
  await alice.waitFor("* You are now known as ghost");
  const closed = await server.waitForLog((r) => r.why === "quit");
  assert.equal(closed.nick, "ghost");
  assert.equal(closed.room, "lobby");
  bob.close(); // only now does nc let go of its socket
  await bobText;
  await alice.close();
});

Deno.test("chat users: one Ctrl-C on `deno task start` stops gracefully: users get the goodbye", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const root = new URL("../../", import.meta.url).pathname;
  // deno task may return (130) before echochat has finished stopping; the
  // shell then waits on the keyboard so the terminal stays open and
  // echochat is not hung up on before it prints its last line.
  const terminal = new Terminal(
    `cd ${root} && ${Deno.execPath()} task start --host 127.0.0.1 --echo-port off --chat-port ${port}; read _`,
  );
  try {
    await terminal.waitFor("listening");
    const user = await ChatClient.connect(port);
    await terminal.type("\x03"); // the terminal sends SIGINT to deno task and echochat
    await user.waitFor("! The server is shutting down. Goodbye!");
    await user.closed;
    await terminal.waitFor("Stopped after");
    // echochat's own verdict: a graceful stop (nobody cut off), not an abort.
    // The log is coloured on a terminal.
    assert.match(
      stripVTControlCharacters(terminal.output),
      /Stopped after 1 connection \(0 refused\); 0 cut off/,
    );
    assert.doesNotMatch(terminal.output, /again: closing/);
    await user.close();
  } finally {
    // deno task's own exit code is not asserted: after a Ctrl-C it is
    // sometimes 130 (it was interrupted) even when echochat exited 0.
    await terminal.close();
  }
});

Deno.test("chat users: an idle telnet reader stays (it answers the probe); an idle nc user is warned and closed", async () => {
  await using server = await startServer(QUICK_IDLE);
  const telnet = new Terminal(`telnet 127.0.0.1 ${server.chatPort}`);
  try {
    await telnet.waitFor("Type /help for commands");
    const nc = await ChatClient.connect(server.chatPort!);
    await nc.waitFor(/^! You have been idle a while: send anything within 1 s/);
    await nc.waitFor("! Disconnected: idle for too long");
    await nc.closed;
    // By now the telnet user has been idle longer than timeout + grace.
    const watcher = await ChatClient.connect(server.chatPort!);
    await watcher.send("/users");
    await watcher.waitFor(/^\* 2 people online/);
    assert.ok(!telnet.output.includes("idle a while"), "the telnet user saw a warning");
    assert.ok(!telnet.output.includes("closed by foreign host"), telnet.output);
    await watcher.close();
    await nc.close();
  } finally {
    await telnet.type("\x1dquit\r");
    await telnet.close();
  }
});

Deno.test("chat users: a telnet peer that stops answering is closed as lost", async () => {
  await using server = await startServer(QUICK_IDLE);
  const watcher = await ChatClient.connect(server.chatPort!);
  // A client that agrees to BINARY (so it speaks telnet), talks, then goes dead.
  const dead = await connect(server.chatPort!);
  const deadText = readAll(dead);
  await writeAll(dead, Uint8Array.of(255, 251, 0, ...new TextEncoder().encode("/nick zombie\r\n")));
  await watcher.waitFor("* guest-2 is now known as zombie");
  // The watcher stays active; the zombie says nothing and answers no probe.
  let left = false;
  const gone = watcher.waitFor("* zombie left (connection lost)", { timeoutMs: 15_000 })
    .finally(() => left = true);
  while (!left) {
    await watcher.send("/stats");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await gone;
  const bytes = await deadText;
  dead.close();
  assert.ok(bytes.includes(253) && bytes.includes(6), "no IAC DO TIMING-MARK probe was sent");
  const closed = await server.waitForLog((r) => r.nick === "zombie");
  assert.equal(closed.why, "no answer");
  await watcher.close();
});

Deno.test("chat users: a chat client refused by --max-connections reads that the server is full", async () => {
  await using server = await startServer([...CHAT_ONLY, "--max-connections", "1"]);
  const first = await ChatClient.connect(server.chatPort!);
  const second = await connect(server.chatPort!);
  const text = new TextDecoder().decode(await readAll(second));
  second.close();
  assert.equal(text, "! The server is full: please try again later\r\n");
  await first.close();
});
