import assert from "node:assert/strict";
import { ConfigError, describeConfig, helpText, parseCommandLine } from "../../server/config.ts";

function run(args: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(args, (name) => env[name]);
  assert.equal(command.kind, "run");
  return (command as Extract<typeof command, { kind: "run" }>).config;
}

Deno.test("config access: by default nobody is listed and the per-address limits are on", () => {
  const config = run([]);
  assert.deepEqual(config.allow, []);
  assert.deepEqual(config.deny, []);
  assert.equal(config.maxConnectionsPerIp, 100);
  assert.equal(config.connectionRate, 20);
  assert.equal(config.connectionBurst, 100);
});

Deno.test("config access: lists from flags and environment, flags first, normalised for the log", () => {
  const config = run(
    ["--allow", "10.0.0.0/8, ::1", "--max-connections-per-ip", "0", "--connection-rate", "0"],
    { ECHOCHAT_ALLOW: "192.0.2.0/24", ECHOCHAT_DENY: "10.6.6.6,::ffff:10.7.0.0/112" },
  );
  assert.deepEqual(config.allow.map(String), ["10.0.0.0/8", "::1/128"]);
  assert.deepEqual(config.deny.map(String), ["10.6.6.6/32", "10.7.0.0/16"]);
  assert.equal(config.maxConnectionsPerIp, 0);
  assert.equal(config.connectionRate, 0);
  const settings = describeConfig(config);
  assert.deepEqual(settings.allow, ["10.0.0.0/8", "::1/128"]);
  assert.deepEqual(settings.deny, ["10.6.6.6/32", "10.7.0.0/16"]);
  assert.equal(settings["max-connections-per-ip"], 0);
  assert.equal(JSON.parse(JSON.stringify(settings)).allow[1], "::1/128");
});

Deno.test("config access: an empty list is no list", () => {
  assert.deepEqual(run(["--allow", ""]).allow, []);
  assert.deepEqual(run([], { ECHOCHAT_DENY: " " }).deny, []);
});

Deno.test("config access: without --connection-burst, a higher --connection-rate is also the burst", () => {
  assert.equal(run(["--connection-rate", "500"]).connectionBurst, 500);
  assert.equal(run(["--connection-rate", "5"]).connectionBurst, 100);
  assert.equal(run(["--connection-rate", "5", "--connection-burst", "5"]).connectionBurst, 5);
});

Deno.test("config access: each bad value names the flag, the value and what is accepted", () => {
  const syntax =
    "expected IPv4 or IPv6 addresses or CIDR ranges separated by commas, e.g. 10.0.0.0/8,192.0.2.7,2001:db8::/32";
  const cases: [string[], Record<string, string>, string][] = [
    [
      ["--allow", "10.0.0.0/33"],
      {},
      `Invalid value "10.0.0.0/33" for --allow: "10.0.0.0/33" has a prefix over 32; ${syntax}`,
    ],
    [
      ["--deny", "nonsense"],
      {},
      `Invalid value "nonsense" for --deny: "nonsense" is not an IPv4 or IPv6 address or CIDR range; ${syntax}`,
    ],
    [
      ["--deny", "::1,2001:db8::/200"],
      {},
      `Invalid value "::1,2001:db8::/200" for --deny: "2001:db8::/200" has a prefix over 128; ${syntax}`,
    ],
    [
      [],
      { ECHOCHAT_ALLOW: "10.0.0.0/8,,::1" },
      `Invalid value "10.0.0.0/8,,::1" for ECHOCHAT_ALLOW (for --allow): an item between commas is empty; ${syntax}`,
    ],
    [
      ["--max-connections-per-ip", "-1"],
      {},
      'Invalid value "-1" for --max-connections-per-ip: expected a whole number from 0 to 1000000',
    ],
    [
      ["--connection-rate", "fast"],
      {},
      'Invalid value "fast" for --connection-rate: expected a whole number from 0 to 1000000',
    ],
    [
      ["--connection-burst", "0"],
      {},
      'Invalid value "0" for --connection-burst: expected a whole number from 1 to 1000000',
    ],
    [
      ["--connection-rate", "50", "--connection-burst", "40"],
      {},
      'Invalid value "40" for --connection-burst: expected at least --connection-rate (50), so one second of connections fits in a burst',
    ],
  ];
  for (const [args, env, message] of cases) {
    assert.throws(() => parseCommandLine(args, (name) => env[name]), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      assert.ok(!error.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("config access: --help lists the access flags with their variables", () => {
  const help = helpText("echochat", "0.0.0");
  for (
    const [flag, env] of [
      ["--allow CIDR,...", "ECHOCHAT_ALLOW"],
      ["--deny CIDR,...", "ECHOCHAT_DENY"],
      ["--max-connections-per-ip N", "ECHOCHAT_MAX_CONNECTIONS_PER_IP"],
      ["--connection-rate N", "ECHOCHAT_CONNECTION_RATE"],
      ["--connection-burst N", "ECHOCHAT_CONNECTION_BURST"],
    ] as const
  ) {
    assert.ok(help.includes(flag), flag);
    assert.ok(help.includes(env), env);
  }
});
