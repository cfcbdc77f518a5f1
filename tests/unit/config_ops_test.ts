import assert from "node:assert/strict";
import { parseCommandLine } from "../../server/config.ts";
import { DEFAULT_UDP_OPTIONS } from "../../server/udp/udp_options.ts";

function run(args: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(args, (name) => env[name]);
  assert.equal(command.kind, "run");
  return (command as Extract<typeof command, { kind: "run" }>).config;
}

Deno.test("config ops: HTTP off, UDP echo on, UDP limits from the UDP module's defaults", () => {
  const config = run([]);
  assert.equal(config.httpPort, null);
  assert.equal(config.udp, "on");
  assert.equal(config.udpRate, DEFAULT_UDP_OPTIONS.ratePerSecond);
  assert.equal(config.udpBurst, DEFAULT_UDP_OPTIONS.burst);
});

Deno.test("config ops: flags and environment", () => {
  const config = run(["--udp", "OFF", "--udp-burst", "9"], {
    ECHOCHAT_HTTP_PORT: "0",
    ECHOCHAT_UDP: "on",
    ECHOCHAT_UDP_RATE: "3",
  });
  assert.equal(config.httpPort, 0);
  assert.equal(config.udp, "off");
  assert.equal(config.udpRate, 3);
  assert.equal(config.udpBurst, 9);
  // Port 0 means "any free port", so it never collides with another 0.
  assert.equal(run(["--http-port", "0", "--echo-port", "0"]).httpPort, 0);
});
