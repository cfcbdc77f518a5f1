/**
 * Access control against the real program: allow and deny lists, IPv4 rules
 * on an IPv6 listener, the cap on open connections per address and the rate
 * of new connections, and how refusals are logged.
 */
import assert from "node:assert/strict";
import { type LogRecord, startServer } from "../helpers/server_process.ts";
import { connect, readAll, readExactly, writeAll } from "../helpers/socket.ts";
import { type BadInvocation, testBadInvocations } from "../helpers/bad_invocations.ts";

/** Resolves `promise`, or rejects after `ms` with `what` (a bound against hanging, not a timing assertion). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether the server closed `conn` without sending a byte (it never reads from it). */
async function closedWithoutAByte(conn: Deno.Conn): Promise<boolean> {
  const bytes = await within(readAll(conn), 10_000, "the refused connection was not closed");
  return bytes.length === 0;
}

/**
 * What a new connection gets first: the number of bytes of its first read,
 * or 0 when the server closed it without a byte (EOF or reset).
 */
async function firstRead(conn: Deno.Conn): Promise<number> {
  try {
    const n = await within(conn.read(new Uint8Array(1024)), 10_000, "no byte and no close");
    return n ?? 0;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionReset) return 0;
    throw error;
  }
}

/** Whether an echo connection is served: one byte goes out and comes back. */
async function echoes(conn: Deno.Conn): Promise<boolean> {
  try {
    await writeAll(conn, new Uint8Array([42]));
    const back = await readExactly(conn, 1);
    return back.length === 1 && back[0] === 42;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe) {
      return false;
    }
    throw error;
  }
}

function connectV6(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "::1", port });
}

const isRefusal = (r: LogRecord) => String(r.message).startsWith("Refused");
const isStop = (r: LogRecord) => String(r.message).startsWith("Stopped");

Deno.test("access: --deny 127.0.0.1 closes a client without a byte, not even the chat banner", async () => {
  await using server = await startServer(["--deny", "127.0.0.1"]);
  for (const port of [server.echoPort!, server.chatPort!]) {
    const conn = await connect(port);
    assert.ok(await closedWithoutAByte(conn));
    conn.close();
  }
  const refused = await server.waitForLog(isRefusal);
  assert.equal(refused.level, "WARNING");
  assert.equal(refused.reason, "denied");
  assert.equal(refused.address, "127.0.0.1");
  assert.match(String(refused.message), /^Refused 1 connection from 127\.0\.0\.1 to echo: /);
  assert.equal(refused.why, "the address is in --deny");
  assert.equal((await server.close()).code, 0);
  const stopped = await server.waitForLog(isStop);
  assert.equal(stopped.refused, 2);
  assert.deepEqual(stopped.refusedByAccess, {
    "denied": 2,
    "not-allowed": 0,
    "rate-limit": 0,
    "per-ip-limit": 0,
  });
});

Deno.test("access: an --allow list that includes 127.0.0.0/8 admits, one that does not refuses", async () => {
  {
    await using server = await startServer(["--allow", "10.0.0.0/8,127.0.0.0/8,::1"]);
    const conn = await connect(server.echoPort!);
    assert.equal(await echoes(conn), true);
    conn.close();
    const chat = await connect(server.chatPort!);
    assert.ok(await firstRead(chat) > 0, "the chat banner comes");
    chat.close();
  }
  {
    await using server = await startServer(["--allow", "10.0.0.0/8"]);
    const conn = await connect(server.echoPort!);
    assert.ok(await closedWithoutAByte(conn));
    conn.close();
    const refused = await server.waitForLog(isRefusal);
    assert.equal(refused.reason, "not-allowed");
    assert.equal(refused.why, "the address is not in --allow");
  }
});

Deno.test("access: deny wins over allow", async () => {
  await using server = await startServer(["--allow", "127.0.0.0/8", "--deny", "127.0.0.1/32"]);
  const conn = await connect(server.echoPort!);
  assert.ok(await closedWithoutAByte(conn));
  conn.close();
  assert.equal((await server.waitForLog(isRefusal)).reason, "denied");
});

Deno.test("access: on a :: listener, IPv4 clients (IPv4-mapped peers) match IPv4 rules", async () => {
  {
    await using server = await startServer(["--host", "::", "--allow", "127.0.0.0/8"]);
    const v4 = await connect(server.echoPort!);
    assert.equal(await echoes(v4), true, "127.0.0.1 arrives as ::ffff:127.0.0.1 and is allowed");
    v4.close();
    const v6 = await connectV6(server.echoPort!);
    assert.ok(await closedWithoutAByte(v6), "::1 is not in an IPv4 range");
    v6.close();
    const refused = await server.waitForLog(isRefusal);
    assert.equal(refused.reason, "not-allowed");
    assert.equal(refused.address, "::1");
  }
  {
    await using server = await startServer(["--host", "::", "--deny", "127.0.0.1"]);
    const v4 = await connect(server.echoPort!);
    assert.ok(await closedWithoutAByte(v4), "::ffff:127.0.0.1 is denied by 127.0.0.1");
    v4.close();
    const v6 = await connectV6(server.echoPort!);
    assert.equal(await echoes(v6), true);
    v6.close();
    const refused = await server.waitForLog(isRefusal);
    assert.equal(refused.reason, "denied");
    assert.equal(refused.address, "::ffff:127.0.0.1");
  }
});

Deno.test("access: --max-connections-per-ip 2 counts across listeners, refuses the third and admits again after a close", async () => {
  await using server = await startServer(["--max-connections-per-ip", "2"]);
  const echo = await connect(server.echoPort!);
  assert.equal(await echoes(echo), true);
  const chat = await connect(server.chatPort!);
  assert.ok(await firstRead(chat) > 0);
  for (const port of [server.echoPort!, server.chatPort!]) {
    const third = await connect(port);
    assert.equal(await firstRead(third), 0, "the third connection is closed without a byte");
    third.close();
  }
  const refused = await server.waitForLog(isRefusal);
  assert.equal(refused.reason, "per-ip-limit");
  assert.equal(refused.why, "2 connections from it are open (--max-connections-per-ip)");
  // Once one of the two closes, the address may connect again.
  echo.close();
  await server.waitForLog((r) => r.id === 1 && r.reason !== undefined);
  const again = await connect(server.echoPort!);
  assert.equal(await echoes(again), true);
  again.close();
  chat.close();
  assert.equal((await server.close()).code, 0);
  const stopped = await server.waitForLog(isStop);
  assert.equal((stopped.refusedByAccess as Record<string, number>)["per-ip-limit"], 2);
});

Deno.test("access: a burst of connections over --connection-rate is refused and logged once, with the count at the stop", async () => {
  await using server = await startServer([
    "--echo-port",
    "off",
    "--connection-rate",
    "1",
    "--connection-burst",
    "2",
  ]);
  const attempts = 30;
  let admitted = 0;
  for (let i = 0; i < attempts; i++) {
    const conn = await connect(server.chatPort!);
    if (await firstRead(conn) > 0) admitted++;
    conn.close();
  }
  const refused = attempts - admitted;
  assert.ok(admitted >= 2, `the burst of 2 is admitted, got ${admitted}`);
  assert.ok(refused >= 2, `most of a fast burst is refused, got ${refused} of ${attempts}`);
  const line = await server.waitForLog(isRefusal);
  assert.equal(line.level, "WARNING");
  assert.equal(line.reason, "rate-limit");
  assert.equal(line.count, 1);
  assert.equal(
    line.message,
    "Refused 1 connection from 127.0.0.1 to chat: more than 2 new connections at once or 1 per second from it (--connection-rate, --connection-burst)",
  );
  assert.equal((await server.close()).code, 0);
  const stopped = await server.waitForLog(isStop);
  // One warning stands for the whole burst; the counters have every refusal.
  const warnings = server.logs.filter((r) => r.level === "WARNING");
  assert.equal(warnings.length, 1, `one warning per burst, got:\n${JSON.stringify(warnings)}`);
  assert.equal(stopped.refused, refused);
  assert.equal((stopped.refusedByAccess as Record<string, number>)["rate-limit"], refused);
});

Deno.test("access: the startup line lists the access settings", async () => {
  await using server = await startServer(["--allow", "127.0.0.1,::1", "--deny", "10.0.0.0/8"]);
  const settings = server.logs.find((r) => String(r.message).includes("listening"))!
    .settings as Record<string, unknown>;
  assert.deepEqual(settings.allow, ["127.0.0.1/32", "::1/128"]);
  assert.deepEqual(settings.deny, ["10.0.0.0/8"]);
  assert.equal(settings["max-connections-per-ip"], 0, "the test helper turns the limits off");
  assert.equal(settings["connection-rate"], 0);
});

const badInvocations: BadInvocation[] = [
  {
    args: ["--allow", "10.0.0.0/33"],
    says:
      /^echochat: Invalid value "10.0.0.0\/33" for --allow: "10.0.0.0\/33" has a prefix over 32; expected IPv4 or IPv6 addresses or CIDR ranges/,
  },
  {
    args: ["--deny", "nonsense"],
    says:
      /^echochat: Invalid value "nonsense" for --deny: "nonsense" is not an IPv4 or IPv6 address or CIDR range; expected/,
  },
  {
    args: ["--max-connections-per-ip", "-1"],
    says:
      /^echochat: Invalid value "-1" for --max-connections-per-ip: expected a whole number from 0 to 1000000$/,
  },
  {
    args: ["--connection-rate", "-3"],
    says: /^echochat: Invalid value "-3" for --connection-rate: expected a whole number from 0/,
  },
];

testBadInvocations("access", badInvocations);
