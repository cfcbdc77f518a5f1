/**
 * The startup line promises the server is ready, signals included: a
 * SIGTERM sent the moment it appears is a graceful stop, never a kill.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server_process.ts";

Deno.test("startup: SIGTERM right after the startup line stops the server cleanly (exit 0)", async () => {
  for (let i = 0; i < 5; i++) {
    const server = await startServer(["--http-port", "0"]);
    server.kill("SIGTERM");
    assert.equal((await server.status).code, 0, `run ${i}: ${JSON.stringify(server.logs)}`);
  }
});
