/**
 * Several echochat servers forming one chat through a real `redis-server`:
 * real processes, real sockets, a short `--redis-ttl` so that expiry
 * happens within the tests' bounds. No test asserts a duration: waits are
 * for lines, bounded by the client's timeout.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../helpers/chat_client.ts";
import { type ServerProcess, startServer } from "../helpers/server_process.ts";
import { type RedisServer, startRedis } from "../helpers/redis_server.ts";

/** Short enough that a dead server's nicks come free quickly, long enough for a busy CI. */
const TTL_SECONDS = "1";

const DOWN = "* The link to the other servers is down: for now you see only people on this server";
const BACK = "* The link to the other servers is back: you see everyone again";

function chatServer(redis: RedisServer): Promise<ServerProcess> {
  return startServer(["--echo-port", "off", "--redis", redis.url, "--redis-ttl", TTL_SECONDS]);
}

/** A user on `server` who took `nick`. */
async function user(server: ServerProcess, nick: string): Promise<ChatClient> {
  const client = await ChatClient.connect(server.chatPort!);
  await client.send(`/nick ${nick}`);
  await client.waitFor(`* You are now known as ${nick}`);
  return client;
}

/**
 * Sends `command` until its answer (the first line matching `answer`)
 * passes `done`, and returns that answer: for state that other servers
 * write a moment later. Bounded by the client's wait.
 */
async function until(
  client: ChatClient,
  command: string,
  answer: RegExp,
  done: (line: string) => boolean,
): Promise<string> {
  for (let round = 0; round < 100; round++) {
    const from = client.lines.length;
    await client.send(command);
    const line = await client.waitFor(answer, { from });
    if (done(line)) return line;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${command} never gave the expected answer:\n${client.lines.join("\n")}`);
}

const lists = (...nicks: string[]) => (line: string) =>
  nicks.every((nick) => new RegExp(`[:,] ${nick}\\b`).test(line));

Deno.test("redis chat: three servers share room lines, actions, notices, /msg, /who, /users and /whois", async () => {
  await using redis = await startRedis();
  await using a = await chatServer(redis);
  await using b = await chatServer(redis);
  await using c = await chatServer(redis);
  const alice = await user(a, "alice");
  const bob = await user(b, "bob");
  const carol = await user(c, "carol");
  const who = await until(alice, "/who", /^\* In #lobby/, lists("alice", "bob", "carol"));
  assert.match(who, /^\* In #lobby \(3\): /);

  await alice.send("hi all");
  await bob.waitFor("[lobby] <alice> hi all");
  await carol.waitFor("[lobby] <alice> hi all");
  await bob.send("/me waves");
  await alice.waitFor("[lobby] * bob waves");
  await carol.waitFor("[lobby] * bob waves");

  await carol.send("/join #dev");
  await carol.waitFor("* You joined #dev (1 person here)");
  await alice.waitFor("* carol left #lobby");
  await bob.send("/join DEV");
  await bob.waitFor("* You joined #dev (2 people here)");
  await carol.waitFor("* bob joined #dev");

  await alice.send("/msg BOB psst");
  await bob.waitFor("[private] <alice> psst");
  await alice.waitFor("* To bob: psst");
  await alice.send("/rooms");
  await alice.waitFor("* Rooms: #dev (2), #lobby (1)");
  await alice.send("/users");
  await alice.waitFor("* 3 people online, most recently active first:");
  await alice.send("/whois Carol");
  await alice.waitFor(
    /^\* carol is in #dev, connected for \d+s, idle for \d+s, using a raw client/,
  );
  await alice.send("/who dev");
  await alice.waitFor(/^\* In #dev \(2\): (bob, carol|carol, bob)$/);

  // One sender's lines arrive in the order sent.
  const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`); // within the rate burst
  await bob.send(lines.join("\n"));
  await carol.waitFor("[dev] <bob> line 29");
  assert.deepEqual(
    carol.lines.filter((line) => line.startsWith("[dev] <bob> line ")),
    lines.map((line) => `[dev] <bob> ${line}`),
  );

  await carol.send("/quit bye");
  await bob.waitFor("* carol quit (bye)");
  await carol.closed;
  assert.ok(!carol.lines.some((line) => line.includes("psst")), "a private message leaked");
  await Promise.all([alice.close(), bob.close()]);
});

Deno.test("redis chat: nicks are unique across servers ignoring case; of two claims at once one wins", async () => {
  await using redis = await startRedis();
  await using a = await chatServer(redis);
  await using b = await chatServer(redis);
  const alice = await user(a, "Alice");
  const other = await ChatClient.connect(b.chatPort!);
  await other.send("/nick aLiCe");
  await other.waitFor("! The nickname aLiCe is taken: choose another");

  const x = await ChatClient.connect(a.chatPort!);
  const y = await ChatClient.connect(b.chatPort!);
  for (let round = 0; round < 5; round++) {
    const [fromX, fromY] = [x.lines.length, y.lines.length];
    await Promise.all([x.send(`/nick race${round}`), y.send(`/nick RACE${round}`)]);
    const outcome = /^(\* You are now known as|! The nickname \S+ is taken)/;
    const [gotX, gotY] = await Promise.all([
      x.waitFor(outcome, { from: fromX }),
      y.waitFor(outcome, { from: fromY }),
    ]);
    const winners = [gotX, gotY].filter((line) => line.startsWith("* You are now known as"));
    assert.equal(winners.length, 1, `round ${round}: ${gotX} / ${gotY}`);
  }

  await alice.send("/quit");
  // Server A sends the release before the quit notice, on one connection:
  // whoever has seen the notice finds the nick free.
  await other.waitFor("* Alice quit");
  await other.send("/nick alice");
  await other.waitFor("* You are now known as alice");
  await Promise.all([other.close(), x.close(), y.close()]);
});

Deno.test("redis chat: a topic and the history of a room are seen from another server", async () => {
  await using redis = await startRedis();
  await using a = await chatServer(redis);
  await using b = await chatServer(redis);
  const alice = await user(a, "alice");
  await alice.send("/join dev");
  await alice.send("/topic Deno and Redis");
  await alice.send("first line");
  await alice.send("/me waves");
  await alice.sync();
  const bob = await user(b, "bob");
  await bob.send("/join dev");
  await bob.waitFor("* You joined #dev (2 people here)");
  await bob.waitFor("* Topic of #dev: Deno and Redis");
  await bob.waitFor("* Last 2 lines in #dev (UTC):");
  await bob.waitFor(/^\[dev\] \d\d:\d\d <alice> first line$/);
  await bob.waitFor(/^\[dev\] \d\d:\d\d \* alice waves$/);
  await bob.waitFor("* End of history");
  await bob.send("/topic");
  await bob.waitFor("* Topic of #dev: Deno and Redis");
  await bob.send("/topic -");
  await alice.waitFor("* bob cleared the topic of #dev");
  await alice.send("/topic");
  await alice.waitFor("* #dev has no topic: /topic TEXT sets one");
  await Promise.all([alice.close(), bob.close()]);
});

Deno.test("redis chat: Redis dies mid-chat: users are told, local chat goes on, and it all comes back", async () => {
  await using redis = await startRedis();
  await using a = await chatServer(redis);
  await using b = await chatServer(redis);
  const alice = await user(a, "alice");
  const carol = await user(a, "carol");
  const bob = await user(b, "bob");
  await until(carol, "/who", /^\* In #lobby/, lists("alice", "bob", "carol"));

  await redis.stop(); // SIGKILL: no goodbye to anyone
  await Promise.all([alice, bob, carol].map((u) => u.waitFor(DOWN)));
  await alice.send("only this server hears this");
  await carol.waitFor("[lobby] <alice> only this server hears this");
  await carol.send("/who");
  await carol.waitFor(/^\* In #lobby \(2\): (alice, carol|carol, alice)$/);
  // Both servers give "dave" away while they cannot ask each other.
  await bob.send("/nick dave");
  await bob.waitFor("* You are now known as dave");
  await alice.send("/nick Dave");
  await alice.waitFor("* You are now known as Dave");

  await redis.restart(); // empty: each server writes its users and claims its nicks again
  await Promise.all([alice, bob, carol].map((u) => u.waitFor(BACK)));
  const renamed =
    /^\* Someone on another server took the nickname (dave|Dave) while the link was down: you are now (dave|Dave)-2$/;
  const [aliceNick, bobNick] = await Promise.race([
    alice.waitFor(renamed).then(() => ["Dave-2", "dave"]),
    bob.waitFor(renamed).then(() => ["Dave", "dave-2"]),
  ]);
  await bob.send("over the link again");
  await alice.waitFor(`[lobby] <${bobNick}> over the link again`);
  await alice.send("and back");
  await bob.waitFor(`[lobby] <${aliceNick}> and back`);
  await until(carol, "/who", /^\* In #lobby/, lists(aliceNick!, bobNick!, "carol"));
  assert.equal(
    [alice, bob].filter((u) => u.lines.some((line) => renamed.test(line))).length,
    1,
    "exactly one of the two was renamed",
  );
  await bob.sync();
  assert.ok(
    !bob.lines.some((line) => line.includes("only this server")),
    "a line crossed a dead link",
  );
  await Promise.all([alice.close(), bob.close(), carol.close()]);
});

Deno.test("redis chat: a killed server's nicks come free within the TTL, a stopped one's at once", async () => {
  await using redis = await startRedis();
  await using a = await chatServer(redis);
  await using b = await chatServer(redis);
  await using c = await chatServer(redis);
  const watcher = await user(b, "watcher");
  const zed = await user(c, "zed");
  await zed.send("/join zone");
  await zed.waitFor("* You joined #zone (1 person here)");
  const victim = await user(a, "victim");
  await until(watcher, "/users", /^\* \d+ people online/, (line) => line.startsWith("* 3 "));

  a.kill("SIGKILL");
  await a.status;
  await victim.closed;
  // Nobody releases "victim": its claim and presence expire with the TTL.
  await until(
    watcher,
    "/nick victim",
    /^(\* You are now known as|! The nickname)/,
    (line) => line === "* You are now known as victim",
  );
  await until(watcher, "/users", /^\* \d+ people? online/, (line) => line.startsWith("* 2 "));

  await c.close(); // SIGTERM: the server releases its users' nicks before it exits
  await zed.closed;
  const other = await ChatClient.connect(b.chatPort!);
  await other.send("/nick zed");
  await other.waitFor("* You are now known as zed");
  await other.send("/rooms");
  await other.waitFor("* Rooms: #lobby (2)");
  await Promise.all([watcher.close(), other.close()]);
});

Deno.test("redis chat: a server started while Redis is down chats alone, then joins the others", async () => {
  await using redis = await startRedis();
  await redis.stop();
  await using a = await chatServer(redis);
  await a.waitForLog((r) => r.message.includes("does not answer"));
  const alice = await user(a, "alice");
  const carol = await user(a, "carol");
  await alice.send("alone here");
  await carol.waitFor("[lobby] <alice> alone here");
  await redis.restart();
  await alice.waitFor(BACK);
  await using b = await chatServer(redis);
  const bob = await user(b, "bob");
  await alice.waitFor(/^\* guest-\d+ is now known as bob$/);
  await bob.send("hello alice");
  await alice.waitFor("[lobby] <bob> hello alice");
  await Promise.all([alice.close(), bob.close(), carol.close()]);
});
