import assert from "node:assert/strict";
import { DEFAULT_REACTOR_OPTIONS, DEFAULT_STOP_GRACE_MS } from "../../reactor/mod.ts";
import { DEFAULT_CHAT_OPTIONS } from "../../server/chat/chat_options.ts";
import { ConfigError, helpText, parseCommandLine } from "../../server/config.ts";

function run(args: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(args, (name) => env[name]);
  assert.equal(command.kind, "run");
  return (command as Extract<typeof command, { kind: "run" }>).config;
}

Deno.test("config: without flags, the settings are the owning modules' defaults", () => {
  const config = run([]);
  assert.equal(config.idleTimeoutMs, DEFAULT_REACTOR_OPTIONS.idleTimeoutMs);
  assert.equal(config.idleGraceMs, DEFAULT_REACTOR_OPTIONS.idleGraceMs);
  assert.equal(config.heartbeatIntervalMs, DEFAULT_REACTOR_OPTIONS.heartbeatIntervalMs);
  assert.equal(config.shutdownGraceMs, DEFAULT_STOP_GRACE_MS);
  assert.equal(config.maxLineBytes, DEFAULT_CHAT_OPTIONS.maxLineBytes);
  assert.equal(config.rateLimit, DEFAULT_CHAT_OPTIONS.rateLimit);
  assert.equal(config.rateBurst, DEFAULT_CHAT_OPTIONS.rateBurst);
  assert.equal(config.echoPrefix, null);
});

Deno.test("config: flags, environment, precedence, off and fractional seconds", () => {
  const config = run(
    ["--echo-port", "0", "--chat-port", "off", "--idle-timeout", "1.5", "--echo-prefix", "> "],
    { ECHOCHAT_ECHO_PORT: "1234", ECHOCHAT_HOST: "127.0.0.1", ECHOCHAT_LOG_FORMAT: "json" },
  );
  assert.equal(config.echoPort, 0);
  assert.equal(config.chatPort, null);
  assert.equal(config.idleTimeoutMs, 1500);
  assert.equal(config.echoPrefix, "> ");
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.logFormat, "json");
});

Deno.test("config: each bad value names the flag and what is accepted", () => {
  const cases: [string[], Record<string, string>, string][] = [
    [
      ["--echo-port", "abc"],
      {},
      'Invalid value "abc" for --echo-port: expected a port from 0 to 65535, or off',
    ],
    [
      ["--echo-port", "65536"],
      {},
      'Invalid value "65536" for --echo-port: expected a port from 0 to 65535, or off',
    ],
    [
      ["--max-connections", "1.5"],
      {},
      'Invalid value "1.5" for --max-connections: expected a whole number from 0 to 1000000',
    ],
    [
      ["--log-level", "loud"],
      {},
      'Invalid value "loud" for --log-level: expected one of debug, info, warning, error',
    ],
    [["--nope"], {}, "Unknown flag --nope: run with --help to see the flags"],
    [
      ["--echo-port", "-1"],
      {},
      'Invalid value "-1" for --echo-port: expected a port from 0 to 65535, or off',
    ],
    [
      ["--idle-timeout", "0.0001"],
      {},
      'Invalid value "0.0001" for --idle-timeout: expected 0 (never) or a number of seconds from 0.001 to 31536000 (e.g. 1.5)',
    ],
    [
      ["--heartbeat-interval", "0.001"],
      {},
      'Invalid value "0.001" for --heartbeat-interval: expected a number of seconds from 0.01 to 31536000 (e.g. 1.5)',
    ],
    [["--version=1"], {}, "Flag --version takes no value: run with --help to see the flags"],
    [
      ["--rate-limit", "50", "--rate-burst", "40"],
      {},
      'Invalid value "40" for --rate-burst: expected at least --rate-limit (50), so one second of lines fits in a burst',
    ],
    [
      ["--echo-prefix", "x".repeat(300)],
      {},
      `Invalid value "${"x".repeat(300)}" for --echo-prefix: expected at most 256 bytes of text`,
    ],
    [
      [],
      { ECHOCHAT_CHAT_PORT: "x" },
      'Invalid value "x" for ECHOCHAT_CHAT_PORT (for --chat-port): expected a port from 0 to 65535, or off',
    ],
    [
      ["--echo-port", "9000", "--chat-port", "9000"],
      {},
      "--echo-port and --chat-port are both 9000: give them different ports",
    ],
  ];
  for (const [args, env, message] of cases) {
    assert.throws(() => parseCommandLine(args, (name) => env[name]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      return true;
    });
  }
});

Deno.test("config: without --rate-burst, a higher --rate-limit is also the burst", () => {
  assert.equal(run(["--rate-limit", "500"]).rateBurst, 500);
  assert.equal(run(["--rate-limit", "5"]).rateBurst, DEFAULT_CHAT_OPTIONS.rateBurst);
});

Deno.test("config: --help and --version win over everything else", () => {
  assert.deepEqual(parseCommandLine(["--echo-port", "bad", "--help"]), { kind: "help" });
  assert.deepEqual(parseCommandLine(["-V"]), { kind: "version" });
  const text = helpText("echochat", "1.2.3");
  assert.match(text, /^echochat 1\.2\.3/);
  assert.match(text, /--idle-timeout N .*\n.*default 300; env ECHOCHAT_IDLE_TIMEOUT/);
});
