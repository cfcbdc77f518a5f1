/**
 * Accept failures against the real program: running out of descriptors,
 * and a storm of peers that reset before they were accepted.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server_process.ts";
import { connect, readExactly, writeAll } from "../helpers/socket.ts";

/** Resolves `promise`, or rejects after `ms` with `what` (a bound, not a timing assertion). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function roundTrip(port: number, text: string): Promise<string> {
  const conn = await connect(port);
  try {
    await writeAll(conn, new TextEncoder().encode(text));
    return new TextDecoder().decode(await readExactly(conn, text.length));
  } finally {
    conn.close();
  }
}

Deno.test("accept: out of descriptors, the server logs once, keeps serving, and accepts again once they are free", async () => {
  await using server = await startServer(
    ["--chat-port", "off", "--log-level", "debug"],
    {},
    { wrapper: ["prlimit", "--nofile=64:64", "--"] },
  );
  const port = server.echoPort!;
  const first = await connect(port);
  await writeAll(first, new TextEncoder().encode("a"));
  assert.equal((await readExactly(first, 1)).length, 1);
  // More connections than descriptors: the kernel completes them, accept() fails.
  const crowd = await Promise.all(Array.from({ length: 100 }, () => connect(port)));
  await server.waitForLog((r) => String(r.message).startsWith("Accepting on echo failed"));
  // An existing connection is still served while the listener backs off.
  await writeAll(first, new TextEncoder().encode("b"));
  assert.equal(new TextDecoder().decode(await readExactly(first, 1)), "b");
  for (const conn of crowd) conn.close();
  first.close();
  await server.waitForLog((r) => String(r.message).startsWith("Accepting on echo again after"));
  assert.equal(await within(roundTrip(port, "hello"), 10_000, "a new client"), "hello");
  const warnings = server.logs.filter((r) => r.level === "WARNING");
  assert.equal(warnings.length, 1, `one warning per burst, got:\n${JSON.stringify(warnings)}`);
  const retries = server.logs.filter((r) => String(r.message).includes("failed again"));
  assert.ok(retries.length < 200, `the accept loop spun: ${retries.length} retries`);
});

Deno.test("accept: a storm of peers that reset before they were accepted does not slow the listener", async () => {
  await using server = await startServer(["--chat-port", "off", "--log-level", "debug"]);
  const port = server.echoPort!;
  // Stop the server so the connections wait in the backlog, reset them all, go on.
  server.kill("SIGSTOP");
  const storm = new Deno.Command("python3", {
    args: [
      "-c",
      `import socket, struct
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", ${port}))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()`,
    ],
  });
  const result = await storm.output();
  server.kill("SIGCONT");
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  assert.equal(
    await within(roundTrip(port, "still here"), 10_000, "a client after the storm"),
    "still here",
  );
  const gone = server.logs.filter((r) => String(r.message).includes("was gone before"));
  assert.ok(gone.length > 0, "no reset reached accept(): the test proves nothing");
  assert.ok(gone.every((r) => r.level === "DEBUG"));
  assert.deepEqual(server.logs.filter((r) => r.level === "WARNING"), []);
});
