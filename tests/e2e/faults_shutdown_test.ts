/**
 * A graceful stop against peers that do not cooperate: the real program
 * must still exit at the end of its grace, and say how many it cut off.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../helpers/chat_client.ts";
import { waitUntil, within } from "../helpers/process_stats.ts";
import { RawPeers } from "../helpers/raw_peers.ts";
import { startServer } from "../helpers/server_process.ts";
import { connect, readAll, readExactly, writeAll } from "../helpers/socket.ts";

/** Peers of each stubborn kind, and of the polite kind. */
const EACH = 10;
/** Seconds of `--shutdown-grace`. */
const GRACE_S = 2;
/** How long the test waits for the exit after SIGTERM: a bound, not a timing assertion. */
const EXIT_WAIT_MS = 15_000;

Deno.test("faults: SIGTERM while peers ignore the FIN or never read: the server exits at the grace with code 0 and reports who it cut off", async () => {
  await using server = await startServer([
    "--shutdown-grace",
    String(GRACE_S),
    "--log-level",
    "debug",
  ]);
  const echo = server.echoPort!;
  const chat = server.chatPort!;
  const hello = new TextEncoder().encode("hello\n");
  const conns: Deno.TcpConn[] = [];
  const open = async (port: number) => {
    const conn = await connect(port);
    conns.push(conn);
    return conn;
  };
  const reads: Promise<unknown>[] = [];
  try {
    // Echo peers that read until the server's FIN and then keep their side open.
    for (let i = 0; i < EACH; i++) {
      const conn = await open(echo);
      await writeAll(conn, hello);
      assert.equal((await readExactly(conn, hello.length)).length, hello.length);
      reads.push(readAll(conn));
    }
    // Chat users who read everything, the goodbye and the FIN, and keep their side open.
    for (let i = 0; i < EACH; i++) reads.push(readAll(await open(chat)));
    // Chat users who never read and never close.
    for (let i = 0; i < EACH; i++) await open(chat);
    // Echo peers that push and never read (the server cannot flush what it owes them).
    await using stuck = RawPeers.start("stuck", echo, { conns: EACH, cap: 4 << 20 });
    await stuck.next("STEADY", 30_000);
    // Polite peers: an echo client that closes after the server's FIN, and chat users.
    const politeEcho: Deno.TcpConn[] = [];
    for (let i = 0; i < EACH / 2; i++) politeEcho.push(await connect(echo));
    const politeEchoDone = politeEcho.map(async (conn) => {
      await readAll(conn);
      conn.close();
    });
    const politeChat = await Promise.all(
      Array.from({ length: EACH / 2 }, () => ChatClient.connect(chat)),
    );
    const stubborn = 4 * EACH;
    const total = stubborn + EACH;
    const accepted = () =>
      server.logs.filter((r) => String(r.message).includes(" accepted on ")).length;
    await waitUntil(
      () => accepted() === total,
      10_000,
      `${total} connections accepted`,
      () => `(${accepted()})`,
    );

    const t0 = performance.now();
    server.kill("SIGTERM");
    const status = await within(server.status, EXIT_WAIT_MS, "the exit after SIGTERM");
    const seconds = (performance.now() - t0) / 1000;
    console.log(`    exited ${seconds.toFixed(2)} s after SIGTERM (grace ${GRACE_S} s)`);
    assert.equal(status.code, 0);
    await Promise.all(politeEchoDone);
    await Promise.all(politeChat.map((user) => user.closed));
    for (const user of politeChat) {
      assert.equal(user.lines.at(-1), "! The server is shutting down. Goodbye!");
    }
    await stuck.send("close");
    const done = await stuck.next("DONE", 10_000);
    assert.equal(done.closed, String(EACH), "the stuck peers were not closed by the exit");

    const stopped = server.logs.find((r) => String(r.message).startsWith("Stopped after"));
    assert.ok(stopped !== undefined, "no stop line");
    assert.equal(stopped.cutOff, stubborn, stopped.message);
    assert.equal(stopped.graceful, EACH, stopped.message);
    assert.match(stopped.message, new RegExp(`; ${stubborn} cut off at the grace$`));
    const reasons = server.logs.filter((r) => r.reason !== undefined).map((r) => r.reason);
    assert.deepEqual(reasons, Array(total).fill("shutdown"));
  } finally {
    for (const conn of conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
    await Promise.allSettled(reads);
  }
});
