/**
 * `--workers 2` end to end: connections land on both workers (the kernel
 * spreads them over the SO_REUSEPORT listeners), echo is byte-exact on
 * each, and users on different workers are in one chat.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../helpers/chat_client.ts";
import { type LogRecord, startServer } from "../helpers/server_process.ts";
import { connect, randomBytes, readAll, writeAll } from "../helpers/socket.ts";

const WORKERS = ["--workers", "2", "--log-level", "debug"];

/** The worker that accepted the connection from local port `port`, from the debug log. */
function workerOf(logs: LogRecord[], port: number): string | undefined {
  const accepted = logs.find((r) =>
    String(r.message).includes(" accepted on ") && String(r.peer).endsWith(`:${port}`)
  );
  return accepted?.worker as string | undefined;
}

Deno.test("workers: connections land on both workers, and each echoes byte-exact", async () => {
  await using server = await startServer(["--chat-port", "off", ...WORKERS]);
  const ports: number[] = [];
  await Promise.all(Array.from({ length: 30 }, async () => {
    const conn = await connect(server.echoPort!);
    ports.push(conn.localAddr.port);
    const data = randomBytes(50_000);
    const echoed = readAll(conn);
    await writeAll(conn, data);
    await conn.closeWrite();
    assert.deepEqual(await echoed, data);
    conn.close();
  }));
  await server.waitForLog((r) => String(r.message).includes("closed (eof)"));
  const workers = new Set(ports.map((port) => workerOf(server.logs, port)));
  assert.deepEqual([...workers].sort(), ["w1-1", "w2-1"], "30 connections all on one worker");
  const ids = server.logs.filter((r) => String(r.message).includes(" accepted on ")).map((r) =>
    r.id
  );
  assert.equal(new Set(ids).size, ids.length, "two connections got the same id");
});

Deno.test("workers: users on different workers share one chat", async () => {
  await using server = await startServer(["--echo-port", "off", ...WORKERS]);
  // Connect until two users sit on different workers.
  const users: ChatClient[] = [];
  let pair: [ChatClient, ChatClient] | null = null;
  for (let i = 0; i < 20 && pair === null; i++) {
    const user = await ChatClient.connect(server.chatPort!);
    users.push(user);
    const mine = await server.waitForLog((r) =>
      String(r.message).includes(" accepted on ") && String(r.peer).endsWith(`:${user.localPort}`)
    );
    const other = users.find((u) =>
      u !== user && workerOf(server.logs, u.localPort) !== mine.worker
    );
    if (other !== undefined) pair = [other, user];
  }
  assert.ok(pair !== null, "20 users all on one worker");
  const [alice, bob] = pair;
  await alice.send("/nick alice");
  await alice.waitFor("* You are now known as alice");
  await bob.send("/nick ALICE");
  await bob.waitFor("! The nickname ALICE is taken: choose another");
  await bob.send("/nick bob");
  await bob.waitFor("* You are now known as bob");
  await bob.send("hello across threads");
  await alice.waitFor("[lobby] <bob> hello across threads");
  await alice.send("/msg bob psst");
  await bob.waitFor("[private] <alice> psst");
  await alice.send("/join dev");
  await alice.waitFor("* You joined #dev (1 person here)");
  await alice.send("first in dev");
  // A round trip through the hub after the line: the hub has recorded it.
  await alice.send("/who");
  await alice.waitFor("* In #dev (1): alice");
  await bob.send("/join dev");
  await bob.waitFor(/^\[dev\] \d\d:\d\d <alice> first in dev$/);
  await bob.send("/who");
  await bob.waitFor("* In #dev (2): alice, bob");
  await Promise.all(users.map((user) => user.close()));
  const status = await server.close();
  assert.equal(status.code, 0);
  const stopped = server.logs.find((r) => String(r.message).startsWith("Stopped"))!;
  assert.equal(stopped.accepted, users.length);
});
