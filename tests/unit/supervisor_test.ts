/**
 * The supervisor's own duties with real worker threads running a stand-in
 * worker module: start again after a death, stop all, add up figures.
 */
import assert from "node:assert/strict";
import { parseCommandLine } from "../../server/config.ts";
import { Supervisor } from "../../server/workers/supervisor.ts";

function configOf(args: string[]) {
  const command = parseCommandLine(args);
  if (command.kind !== "run") throw new Error("not a run command");
  return command.config;
}

Deno.test("supervisor: a worker that dies is started again, and stop reaches every worker", async () => {
  const standIn = new URL("../helpers/workers/stand_in_worker.ts", import.meta.url).href;
  const config = configOf(["--workers", "2", "--echo-port", "0", "--chat-port", "off"]);
  const { supervisor } = await Supervisor.start(config, null, standIn);
  const deadline = Date.now() + 20_000;
  const names = () => supervisor.stats().map((listener) => listener.name).sort();
  while (!names().includes("w1-2")) {
    assert.ok(Date.now() < deadline, `worker 1 was not started again: ${names().join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(names(), ["w1-2", "w2-1"]);
  const result = await supervisor.stop({ graceMs: 1000 });
  assert.equal(result.code, 0);
  assert.equal(result.totals.accepted, 2);
});
