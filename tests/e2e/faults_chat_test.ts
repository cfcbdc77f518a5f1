/**
 * Faults on the chat port, against the real program: thousands of slow
 * typists, and many connections sending garbage, while two users chat.
 */
import assert from "node:assert/strict";
import { ChatClient, TELNET_OPENING } from "../helpers/chat_client.ts";
import { hasExited, waitUntil } from "../helpers/process_stats.ts";
import { RawPeers } from "../helpers/raw_peers.ts";
import { type LogRecord, startServer } from "../helpers/server_process.ts";
import { concat, connect, writeAll } from "../helpers/socket.ts";
import { BAD_UTF8, bytes, CONTROLS, INVISIBLE, TELNET_BITS } from "../helpers/chat_garbage.ts";
import { FORBIDDEN, LINE_SHAPES } from "../helpers/protocol_lines.ts";

/** Records at warning or above, and any stderr line that is not a JSON record (a crash). */
function loud(logs: readonly LogRecord[]): LogRecord[] {
  return logs.filter((r) => r.level !== "DEBUG" && r.level !== "INFO");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects a user, gives it `nick` and puts it in `room` (if not the lobby). */
async function user(port: number, nick: string, room = "lobby"): Promise<ChatClient> {
  const client = await ChatClient.connect(port);
  await client.send(`/nick ${nick}`);
  await client.waitFor(`* You are now known as ${nick}`);
  if (room !== "lobby") {
    await client.send(`/join #${room}`);
    await client.waitFor((line) => line.startsWith(`* You joined #${room} `));
  }
  return client;
}

/**
 * Alice (`a`) and bob (`b`) take turns: each says line `i` and waits (at
 * most `timeoutMs`) until the other has it; then a pause. Runs at least
 * `lines` turns and at least `minMs` in all. Returns the turns taken and
 * the longest a line took to arrive (reported, not asserted).
 */
async function converse(
  a: ChatClient,
  b: ChatClient,
  room: string,
  { lines, minMs, pauseMs, timeoutMs }: {
    lines: number;
    minMs: number;
    pauseMs: number;
    timeoutMs: number;
  },
): Promise<{ turns: number; slowestMs: number }> {
  const start = Date.now();
  let slowestMs = 0;
  const relay = async (from: ChatClient, to: ChatClient, line: string, seen: string) => {
    const t0 = performance.now();
    await from.send(line);
    await to.waitFor(seen, { timeoutMs });
    slowestMs = Math.max(slowestMs, performance.now() - t0);
  };
  let i = 0;
  for (; i < lines || Date.now() - start < minMs; i++) {
    await relay(a, b, `ping ${i} from alice`, `[${room}] <alice> ping ${i} from alice`);
    await relay(b, a, `pong ${i} from bob`, `[${room}] <bob> pong ${i} from bob`);
    await sleep(pauseMs);
  }
  return { turns: i, slowestMs };
}

/** Every line `client` got from `from` in `room`, in order. */
function heard(client: ChatClient, room: string, from: string): string[] {
  return client.lines.filter((line) => line.startsWith(`[${room}] <${from}> `));
}

/** The lines {@link converse} made `from` say, as the other user sees them. */
function said(room: string, from: string, word: string, turns: number): string[] {
  return Array.from(
    { length: turns },
    (_, i) => `[${room}] <${from}> ${word} ${i} from ${from}`,
  );
}

/** Slow typists: each connection types one letter every 2 to 3 s and never Enter. */
const TYPISTS = 2000;

Deno.test("faults: 2,000 slow typists (a letter every 2-3 s, never a newline) while two users chat: every line arrives, in order", async () => {
  await using server = await startServer(["--echo-port", "off"]);
  const port = server.chatPort!;
  const alice = await user(port, "alice", "talk");
  const bob = await user(port, "bob", "talk");
  try {
    await using typists = RawPeers.start("trickle", port, { conns: TYPISTS, min: 2, max: 3 });
    await typists.next("READY", 90_000);
    // Long enough that every typist types at least twice while the two talk.
    const { turns, slowestMs } = await converse(alice, bob, "talk", {
      lines: 20,
      minMs: 8_000,
      pauseMs: 300,
      timeoutMs: 15_000,
    });
    console.log(`    ${turns} turns; the slowest line took ${slowestMs.toFixed(0)} ms`);
    await typists.send("stop");
    const done = await typists.next("DONE", 30_000);
    await typists.finish();
    assert.equal(done.closed, "0", `the server closed typists: ${JSON.stringify(done)}`);
    assert.ok(
      Number(done.sent_min) >= 2,
      `every typist should have typed while the users talked: ${JSON.stringify(done)}`,
    );
    assert.deepEqual(heard(bob, "talk", "alice"), said("talk", "alice", "ping", turns));
    assert.deepEqual(heard(alice, "talk", "bob"), said("talk", "bob", "pong", turns));
    assert.equal(await hasExited(server.status), false, "the server exited");
    assert.deepEqual(loud(server.logs), []);
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

/** Connections that send garbage. */
const FUZZERS = 50;
/** Pieces of garbage each fuzzer sends, one every {@link FUZZ_EVERY_MS}. */
const FUZZ_PIECES = 40;
const FUZZ_EVERY_MS = 120;

/** A small seeded PRNG (mulberry32), so a failing run can be told by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One piece of garbage for fuzzer `id`. Every fifth is a marked line the users should see, cleaned. */
function fuzzPiece(random: () => number, id: number, index: number): Uint8Array {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const junk = () => {
    const out = new Uint8Array(1 + Math.floor(random() * 200));
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(random() * 256);
    return out;
  };
  const mixed = () =>
    concat([bytes(pick(CONTROLS)), Uint8Array.from(pick(BAD_UTF8)), bytes(INVISIBLE)]);
  if (index % 5 === 0) return concat([bytes(`fz${id} `), mixed(), bytes(" end\n")]);
  switch (Math.floor(random() * 8)) {
    case 0:
      return junk();
    case 1:
      return concat([junk(), bytes("\n")]);
    case 2:
      return concat([bytes("x "), Uint8Array.from(pick(TELNET_BITS)), bytes(" y\n")]);
    case 3:
      return concat([bytes("u "), Uint8Array.from(pick(BAD_UTF8)), bytes(" v\r\n")]);
    case 4:
      return concat([
        bytes(pick(["/me ", "/topic ", "/away ", "/nick ", "/msg alice "])),
        mixed(),
        bytes("\n"),
      ]);
    case 5:
      return concat([bytes("long "), new Uint8Array(5000).fill(0x61), bytes("\n")]);
    case 6:
      return bytes(pick(CONTROLS), "\n");
    default:
      return concat([mixed(), bytes("\r")]);
  }
}

/** A chat user that keeps every byte it receives, to check them all at the end. */
class RawUser {
  readonly #conn: Deno.TcpConn;
  readonly #parts: Uint8Array[] = [];
  readonly done: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.done = (async () => {
      const buffer = new Uint8Array(65536);
      try {
        for (let n; (n = await conn.read(buffer)) !== null;) this.#parts.push(buffer.slice(0, n));
      } catch {
        // closed here or reset: the bytes so far are what it got
      }
    })();
  }

  static async connect(port: number): Promise<RawUser> {
    return new RawUser(await connect(port));
  }

  /** Everything received so far. */
  get raw(): Uint8Array {
    return concat(this.#parts);
  }

  /** Lines so far (decoded leniently, for waiting; {@link uncleanLines} is the strict check). */
  get lines(): string[] {
    return new TextDecoder().decode(this.raw).split("\r\n");
  }

  async send(line: string): Promise<void> {
    await writeAll(this.#conn, new TextEncoder().encode(`${line}\n`));
  }

  async waitFor(line: string, timeoutMs = 15_000): Promise<void> {
    await waitUntil(
      () => this.lines.includes(line),
      timeoutMs,
      `"${line}"`,
      () => `; last lines:\n${this.lines.slice(-20).join("\n")}`,
    );
  }

  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    await this.done;
  }
}

/** Everything wrong with what a user received: empty when it is clean. */
function uncleanLines(raw: Uint8Array): string[] {
  const opening = Uint8Array.from(TELNET_OPENING);
  if (!opening.every((b, i) => raw[i] === b)) return ["does not start with the telnet opening"];
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw.subarray(opening.length));
  } catch {
    return ["invalid UTF-8"];
  }
  if (!text.endsWith("\r\n")) return [`ends without CRLF: ${JSON.stringify(text.slice(-80))}`];
  const problems: string[] = [];
  for (const line of text.slice(0, -2).split("\r\n")) {
    if (FORBIDDEN.test(line)) {
      problems.push(`control or invisible character: ${JSON.stringify(line)}`);
    } else if (!LINE_SHAPES.some((shape) => shape.test(line))) {
      problems.push(`not a line of the protocol: ${JSON.stringify(line)}`);
    }
  }
  return problems;
}

Deno.test("faults: 50 connections send random bytes, cut telnet sequences and invalid UTF-8 while two users chat: the users get only clean lines", async () => {
  await using server = await startServer(["--echo-port", "off"]);
  const port = server.chatPort!;
  // A failing run is repeated with FAULTS_FUZZ_SEED set to the seed it printed.
  const seed = Number(Deno.env.get("FAULTS_FUZZ_SEED") ?? Date.now() % 1_000_000);
  console.log(`    fuzz seed ${seed}`);
  const alice = await RawUser.connect(port);
  const bob = await RawUser.connect(port);
  const fuzzers: Deno.TcpConn[] = [];
  try {
    await alice.send("/nick alice");
    await alice.waitFor("* You are now known as alice");
    await bob.send("/nick bob");
    await bob.waitFor("* You are now known as bob");
    for (let i = 0; i < FUZZERS; i++) fuzzers.push(await connect(port));
    const drained = fuzzers.map(async (conn) => {
      const sink = new Uint8Array(65536);
      try {
        while ((await conn.read(sink)) !== null) { /* discard */ }
      } catch { /* closed or reset */ }
    });
    const fuzzing = fuzzers.map(async (conn, id) => {
      const random = prng(seed * 100 + id);
      for (let i = 0; i < FUZZ_PIECES; i++) {
        try {
          await writeAll(conn, fuzzPiece(random, id, i));
        } catch {
          return; // the server may close a fuzzer (flooding): that is its right
        }
        await sleep(FUZZ_EVERY_MS * (0.5 + random()));
      }
    });
    let turns = 0;
    const talking = (async () => {
      for (; turns < 20; turns++) {
        await alice.send(`ping ${turns} from alice`);
        await bob.waitFor(`[lobby] <alice> ping ${turns} from alice`);
        await bob.send(`pong ${turns} from bob`);
        await alice.waitFor(`[lobby] <bob> pong ${turns} from bob`);
        await sleep(150);
      }
    })();
    await Promise.all([...fuzzing, talking]);
    for (const conn of fuzzers) conn.close();
    await Promise.all(drained);
    // Everything the fuzz caused has arrived once a last pair of lines has.
    await alice.send("last from alice");
    await bob.waitFor("[lobby] <alice> last from alice");
    await bob.send("last from bob");
    await alice.waitFor("[lobby] <bob> last from bob");

    for (const [name, who] of [["alice", alice], ["bob", bob]] as const) {
      const problems = uncleanLines(who.raw);
      assert.deepEqual(problems.slice(0, 20), [], `${name} (seed ${seed}) got unclean lines`);
      const marked = who.lines.filter((l) => /^\[lobby\] <guest-\d+> fz\d+ .* end$/.test(l));
      assert.ok(marked.length >= FUZZERS, `${name} saw only ${marked.length} fuzz lines`);
    }
    assert.ok(
      alice.lines.some((l) => /^\[private\] <[^>]+> /.test(l)),
      "no private fuzz reached alice: the test missed that path",
    );
    assert.equal(await hasExited(server.status), false, "the server exited");
    assert.deepEqual(loud(server.logs), [], `seed ${seed}`);
  } finally {
    for (const conn of fuzzers) {
      try {
        conn.close();
      } catch { /* closed above */ }
    }
    await Promise.all([alice.close(), bob.close()]);
  }
});
