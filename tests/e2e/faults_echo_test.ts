/**
 * Faults on the echo port, against the real program: peers that reset in
 * the middle of a stream, and peers that push and never read.
 */
import assert from "node:assert/strict";
import {
  describeSockets,
  hasExited,
  openSockets,
  rssKiB,
  waitUntil,
  within,
} from "../helpers/process_stats.ts";
import { RawPeers } from "../helpers/raw_peers.ts";
import { type LogRecord, startServer } from "../helpers/server_process.ts";
import { bytesEqual, connect, randomBytes, readExactly, writeAll } from "../helpers/socket.ts";

/** Log levels that are not noise for events a peer causes. */
const QUIET_LEVELS = ["DEBUG", "INFO"];

/** Records at warning or above, and any stderr line that is not a JSON record (a crash). */
function loud(logs: readonly LogRecord[]): LogRecord[] {
  return logs.filter((r) => !QUIET_LEVELS.includes(r.level));
}

/** One echo round trip of `bytes` on `conn`; true when the echo is byte-exact. */
async function roundTrip(conn: Deno.Conn, bytes: Uint8Array): Promise<boolean> {
  await writeAll(conn, bytes);
  return bytesEqual(await readExactly(conn, bytes.length), bytes);
}

/** How often each value occurs. */
function tally(values: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

Deno.test("faults: 100 streams reset (RST) at once mid-stream: each is closed as reset, quietly, and the server serves on", async () => {
  await using server = await startServer(["--chat-port", "off", "--log-level", "debug"]);
  const port = server.echoPort!;
  const socketsBefore = await openSockets(server.pid);
  await using peers = RawPeers.start("reset", port, { conns: 100, bytes: 1 << 20 });
  const ports = (await peers.next("READY", 30_000)).ports!.split(",");
  const done = await peers.next("DONE", 60_000);
  await peers.finish();
  assert.equal(ports.length, 100);
  assert.equal(done.mismatches, "0", "echoed bytes differed before the reset");
  assert.equal(done.closed_early, "0", "the server closed streams before the reset");

  const addresses = new Set(ports.map((p) => `127.0.0.1:${p}`));
  const closes = () =>
    server.logs.filter((r) => addresses.has(String(r.peer)) && r.reason !== undefined);
  await waitUntil(
    () => closes().length >= 100,
    15_000,
    "a close line for each of the 100 reset streams",
    () => `(got ${closes().length}: ${JSON.stringify(tally(closes().map((r) => r.reason)))})`,
  );
  assert.deepEqual(tally(closes().map((r) => r.reason)), { reset: 100 });

  const client = await connect(port);
  try {
    assert.ok(
      await within(roundTrip(client, randomBytes(64 * 1024)), 10_000, "a round trip after"),
      "a new client's echo differs",
    );
  } finally {
    client.close();
  }
  assert.equal(await hasExited(server.status), false, "the server exited");
  let sockets: string[] = [];
  await waitUntil(
    async () => (sockets = await openSockets(server.pid)).length <= socketsBefore.length,
    10_000,
    `the server's sockets back to the ${socketsBefore.length} it had before`,
    async () => `(${sockets.length} open):\n${await describeSockets(server.pid)}`,
  );
  assert.deepEqual(loud(server.logs), [], "a peer's reset is logged at info at most");
});

/** Peers that push and never read. */
const STUCK_PEERS = 1000;
/**
 * Most bytes one stuck peer pushes. The kernel holds 150 to 400 KiB of a
 * stuck peer's bytes (raw_peers.py keeps its buffers small), so a server
 * that kept reading would take most of the rest into its own memory, far
 * past the bound below, or close the peer at its 256 KiB hard limit; a
 * server that stops reading holds a fraction of it. 1,000 peers keep about
 * 300 MiB in kernel buffers.
 */
const STUCK_CAP = 1024 * 1024;
/**
 * What one stuck peer may cost the server, in KiB: echo writes back the
 * buffer it read and reads no more until it is written, with reads of at
 * most 64 KiB (README, "Bounded memory"), so it holds at most 64 KiB of a
 * peer's data; three times that allows Deno's own state for the write in
 * flight, buffers freed but not yet collected, and the allocator's slack.
 */
const KIB_PER_STUCK_PEER = 3 * 64;
/** Round trips the normal client must complete once every stuck peer is stuck. */
const ROUND_TRIPS = 200;

Deno.test("faults: 1,000 peers push and never read: a normal client keeps round-tripping and the server's memory stays bounded", async () => {
  await using server = await startServer(["--chat-port", "off"]);
  const port = server.echoPort!;
  const normal = await connect(port);
  let trips = 0;
  let bad = 0;
  let stop = false;
  const message = randomBytes(64);
  const client = (async () => {
    while (!stop) {
      if (await roundTrip(normal, message)) trips++;
      else bad++;
    }
  })();
  const samples: number[] = [];
  const sampler = (async () => {
    while (!stop) {
      samples.push(await rssKiB(server.pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await waitUntil(() => trips >= 10, 10_000, "10 warm-up round trips");
    const base = await rssKiB(server.pid);
    const bound = base + STUCK_PEERS * KIB_PER_STUCK_PEER;

    await using peers = RawPeers.start("stuck", port, { conns: STUCK_PEERS, cap: STUCK_CAP });
    await peers.next("READY", 60_000);
    const steady = await peers.next("STEADY", 60_000);
    const before = trips;
    await waitUntil(
      () => trips >= before + ROUND_TRIPS,
      30_000,
      `${ROUND_TRIPS} round trips of the normal client while ${STUCK_PEERS} peers are stuck`,
      () => `(${trips - before} done)`,
    );
    await peers.send("close");
    const done = await peers.next("DONE", 30_000);
    await peers.finish();

    const peak = Math.max(...samples);
    const info = `base ${base} KiB, peak ${peak} KiB, bound ${bound} KiB; peers: ` +
      JSON.stringify(steady);
    console.log(`    stuck peers: ${info}`);
    assert.equal(bad, 0, "the normal client's echo differed");
    assert.equal(steady.closed, "0", `the server closed stuck peers: ${info}`);
    assert.equal(done.closed, "0", `the server closed stuck peers: ${info}`);
    assert.ok(peak <= bound, `the server's memory passed its bound: ${info}`);
    // Where a peer blocks depends on the kernel: the server's send buffer grows
    // to several MiB on loopback, so many peers can push their whole 1 MiB into
    // kernel buffers before the server stops reading. A server that never
    // stopped reading would block none and hold every byte, past the bound above;
    // a tenth blocked shows backpressure reached the peers.
    assert.ok(
      Number(steady.blocked) >= STUCK_PEERS / 10,
      `stuck peers should be blocked by the server's backpressure: ${info}`,
    );
    assert.deepEqual(loud(server.logs), []);
  } finally {
    stop = true;
    await Promise.allSettled([client, sampler]);
    normal.close();
  }
});
