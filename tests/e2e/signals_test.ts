/**
 * Stopping the real program with signals: one graceful stop per request,
 * and a deliberate second signal that aborts.
 */
import assert from "node:assert/strict";
import { SIGNAL_ECHO_MS } from "../../server/signals.ts";
import { startServer } from "../helpers/server_process.ts";
import { connect, readAll } from "../helpers/socket.ts";

Deno.test("signals: a second SIGINT right after the first (Ctrl-C under deno task) is the same graceful stop", async () => {
  await using server = await startServer(["--echo-port", "off", "--log-level", "debug"]);
  // A raw client that reads everything but closes only when the test says so.
  const user = await connect(server.chatPort!);
  const received = readAll(user);
  await server.waitForLog((r) => String(r.message).includes("accepted on chat"));
  server.kill("SIGINT");
  await server.waitForLog((r) => String(r.message).includes("stopping"));
  server.kill("SIGINT"); // what deno task forwards a few milliseconds later
  await server.waitForLog((r) => String(r.message).includes("the same stop request"));
  const text = new TextDecoder().decode(await received);
  user.close();
  assert.equal((await server.status).code, 0);
  assert.ok(text.endsWith("! The server is shutting down. Goodbye!\r\n"), text);
  const stopped = server.logs.find((r) => String(r.message).startsWith("Stopped"))!;
  assert.equal(stopped.cutOff, 0);
});

Deno.test("signals: a second signal after the first aborts the graceful stop at once", async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
    "--shutdown-grace",
    "60",
    "--log-level",
    "debug",
  ]);
  // A peer that never sends its FIN keeps the graceful stop waiting.
  const stubborn = await connect(server.echoPort!);
  const received = readAll(stubborn);
  await server.waitForLog((r) => String(r.message).includes("accepted on echo"));
  server.kill("SIGTERM");
  await server.waitForLog((r) => String(r.message).includes("stopping"));
  await new Promise((resolve) => setTimeout(resolve, SIGNAL_ECHO_MS + 100));
  server.kill("SIGTERM");
  assert.equal((await server.status).code, 0);
  await received;
  stubborn.close();
  assert.ok(
    server.logs.some((r) => String(r.message).includes("SIGTERM again: closing 1 connection now")),
  );
  const stopped = server.logs.find((r) => String(r.message).startsWith("Stopped"))!;
  assert.equal(stopped.cutOff, 1);
});
