/**
 * The echo protocol end to end: the real program over real sockets.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server_process.ts";
import {
  bytesEqual,
  concat,
  connect,
  randomBytes,
  readAll,
  readExactly,
  writeAll,
} from "../helpers/socket.ts";

Deno.test(`echo: 8 MiB of random bytes come back byte-exact`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
  ]);
  const data = randomBytes(8 * 1024 * 1024);
  const conn = await connect(server.echoPort!);
  const received = readAll(conn);
  await writeAll(conn, data);
  await conn.closeWrite();
  const echoed = await received;
  conn.close();
  assert.equal(echoed.length, data.length);
  assert.ok(bytesEqual(echoed, data), "echoed bytes differ from the sent bytes");
});

Deno.test(`echo: 200 concurrent clients each get exactly their own bytes`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
  ]);
  const clients = Array.from({ length: 200 }, async (_, i) => {
    const data = randomBytes(1000 + i * 37);
    const conn = await connect(server.echoPort!);
    try {
      const received = readAll(conn);
      // Split each client's data into uneven writes to exercise reassembly.
      for (let offset = 0; offset < data.length; offset += 333 + i) {
        await writeAll(conn, data.subarray(offset, offset + 333 + i));
      }
      await conn.closeWrite();
      return bytesEqual(await received, data);
    } finally {
      conn.close();
    }
  });
  const results = await Promise.all(clients);
  assert.deepEqual(results.filter((ok) => !ok).length, 0);
});

Deno.test(`echo: after a half-close everything sent is still echoed, then the server closes`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
  ]);
  const conn = await connect(server.echoPort!);
  const data = randomBytes(300_000);
  await writeAll(conn, data);
  await conn.closeWrite();
  const echoed = await readAll(conn);
  conn.close();
  assert.ok(bytesEqual(echoed, data));
  const closed = await server.waitForLog((r) => r.reason === "eof" && r.bytesIn === data.length);
  assert.equal(closed.bytesOut, data.length);
});

Deno.test(`echo: --echo-prefix puts the prefix before every line`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
    "--echo-prefix",
    "server echo: ",
  ]);
  const conn = await connect(server.echoPort!);
  const encoder = new TextEncoder();
  await writeAll(conn, encoder.encode("one\ntw"));
  await writeAll(conn, encoder.encode("o\n\nthree"));
  await conn.closeWrite();
  const echoed = new TextDecoder().decode(await readAll(conn));
  conn.close();
  assert.equal(echoed, "server echo: one\nserver echo: two\nserver echo: \nserver echo: three");
});

Deno.test(`echo: a port scan (nc -z) is logged at debug only and the server keeps serving`, async () => {
  await using server = await startServer(["--chat-port", "off", "--log-level", "debug"]);
  const scan = await new Deno.Command("nc", {
    args: ["-z", "127.0.0.1", String(server.echoPort)],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(scan.code, 0, "nc -z should find the port open");
  const conn = await connect(server.echoPort!);
  await writeAll(conn, new TextEncoder().encode("still here\n"));
  const reply = new TextDecoder().decode(await readExactly(conn, 11));
  conn.close();
  assert.equal(reply, "still here\n");
  await server.waitForLog((r) => r.reason !== undefined && r.bytesIn === 11);
  const scanClose = server.logs.find((r) => r.reason !== undefined && r.bytesIn === 0);
  assert.ok(scanClose, "the scan's close was not logged at all");
  assert.equal(scanClose.level, "DEBUG");
  const scanLines = server.logs.filter((r) => r.level !== "DEBUG" && r.id === scanClose.id);
  assert.deepEqual(scanLines, [], "the scan was logged above debug");
});

Deno.test(`echo: the real nc client round-trips a 3 MiB file`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
  ]);
  const file = await Deno.makeTempFile();
  try {
    const data = randomBytes(3 * 1024 * 1024);
    await Deno.writeFile(file, data);
    const input = await Deno.open(file);
    const nc = await new Deno.Command("nc", {
      args: ["-N", "127.0.0.1", String(server.echoPort)],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const [output] = await Promise.all([nc.output(), input.readable.pipeTo(nc.stdin)]);
    assert.equal(output.code, 0);
    assert.ok(bytesEqual(output.stdout, data), "nc got back different bytes");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test(`echo: an idle connection is reaped while an active one is kept`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
    "--idle-timeout",
    "1",
    "--heartbeat-interval",
    "0.1",
  ]);
  const idle = await connect(server.echoPort!);
  const active = await connect(server.echoPort!);
  let idleDone = false;
  // Close our side once the server's FIN arrives, as a client would.
  const idleEnded = readAll(idle).then((bytes) => {
    idleDone = true;
    idle.close();
    return bytes;
  });
  // Keep one connection busy until the other one has been reaped.
  let rounds = 0;
  while (!idleDone) {
    await writeAll(active, new Uint8Array([rounds & 0xff]));
    const reply = await readExactly(active, 1);
    assert.equal(reply[0], rounds & 0xff);
    rounds++;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal((await idleEnded).length, 0);
  // The active connection still works after the idle one is gone.
  await writeAll(active, new TextEncoder().encode("ok"));
  assert.equal(new TextDecoder().decode(await readExactly(active, 2)), "ok");
  const reaped = await server.waitForLog((r) => r.reason === "idle");
  assert.equal(reaped.bytesIn, 0);
  active.close();
  await server.waitForLog((r) => r.reason === "eof");
  assert.equal(server.logs.filter((r) => r.reason === "idle").length, 1);
});

Deno.test(`echo: --max-connections refuses the connection over the limit and counts it`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
    "--max-connections",
    "2",
  ]);
  const first = await connect(server.echoPort!);
  const second = await connect(server.echoPort!);
  for (const conn of [first, second]) {
    await writeAll(conn, new Uint8Array([1]));
    assert.equal((await readExactly(conn, 1)).length, 1);
  }
  const third = await connect(server.echoPort!);
  await writeAll(third, new Uint8Array([1])).catch(() => {});
  assert.equal((await readAll(third)).length, 0, "the third connection should be closed at once");
  third.close();
  const refused = await server.waitForLog((r) => String(r.message).startsWith("Refused"));
  assert.equal(refused.level, "WARNING");
  assert.equal(refused.count, 1);
  // Once a slot frees up, a new connection is served again.
  first.close();
  await server.waitForLog((r) => r.id === 1 && r.reason !== undefined);
  const fourth = await connect(server.echoPort!);
  await writeAll(fourth, new Uint8Array([7]));
  assert.deepEqual([...await readExactly(fourth, 1)], [7]);
  fourth.close();
  second.close();
  const status = await server.close();
  assert.equal(status.code, 0);
  const stopped = await server.waitForLog((r) => String(r.message).startsWith("Stopped"));
  assert.equal(stopped.refused, 1);
});

Deno.test(`echo: SIGTERM while clients stream loses nothing already read, then exits 0`, async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
  ]);
  const source = randomBytes(1024 * 1024);
  const streams = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const conn = await connect(server.echoPort!);
      const sent: Uint8Array[] = [];
      let stop = false;
      const writer = (async () => {
        while (!stop) {
          const offset = (sent.length * 16 * 1024 + conn.localAddr.port) %
            (source.length - 16384);
          const chunk = source.subarray(offset, offset + 16 * 1024);
          try {
            await writeAll(conn, chunk);
          } catch {
            return; // The server closed its side: expected once it stops.
          }
          sent.push(chunk);
        }
      })();
      const progress = { received: 0 };
      const reader = (async () => {
        const parts: Uint8Array[] = [];
        const buffer = new Uint8Array(65536);
        while (true) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) return concat(parts);
          parts.push(buffer.slice(0, n));
          progress.received += n;
        }
      })();
      return { conn, sent, writer, reader, progress, halt: () => stop = true };
    }),
  );
  // Let data flow both ways on every stream, then stop the server mid-stream.
  while (streams.some((s) => s.progress.received < 256 * 1024)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  server.kill("SIGTERM");
  const received = await Promise.all(streams.map((s) => s.reader));
  for (const s of streams) s.halt();
  await Promise.all(streams.map((s) => s.writer));
  for (const s of streams) s.conn.close();
  const status = await server.status;
  assert.equal(status.code, 0);
  const closes = server.logs.filter((r) => r.reason === "shutdown");
  assert.equal(closes.length, streams.length);
  for (const [i, s] of streams.entries()) {
    const got = received[i]!;
    const sent = concat(s.sent);
    assert.ok(got.length > 0, "nothing was echoed before the stop");
    assert.ok(bytesEqual(got, sent.subarray(0, got.length)), "echo is not a prefix of the input");
    const port = s.conn.localAddr.port;
    const close = closes.find((r) => String(r.peer).endsWith(`:${port}`));
    assert.ok(close, `no shutdown log line for client port ${port}`);
    assert.equal(close.bytesIn, got.length, "bytes the server read were not all echoed");
    assert.equal(close.bytesOut, got.length);
  }
});

Deno.test("echo: a long --echo-prefix on a stream of empty lines slows the reader down, it never drops it", async () => {
  const prefix = "a prefix of 21 bytes:";
  await using server = await startServer(["--chat-port", "off", "--echo-prefix", prefix]);
  const lines = 1024 * 1024;
  const nc = new Deno.Command("sh", {
    args: [
      "-c",
      `head -c ${lines} /dev/zero | tr '\\0' '\\n' | nc -N 127.0.0.1 ${server.echoPort}`,
    ],
    stdout: "piped",
    stderr: "null",
  });
  const { code, stdout } = await nc.output();
  assert.equal(code, 0);
  // Every empty line comes back as the prefix and its newline: 22 times the input.
  assert.equal(stdout.length, lines * (prefix.length + 1));
  assert.ok(!server.logs.some((r) => r.reason === "slow-consumer"), "the reader was dropped");
});
