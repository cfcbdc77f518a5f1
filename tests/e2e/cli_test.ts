/**
 * The command line as a user meets it: bad values, busy ports, --help.
 */
import assert from "node:assert/strict";
import { type LogRecord, runProgram, startServer } from "../helpers/server_process.ts";
import { type BadInvocation, testBadInvocations } from "../helpers/bad_invocations.ts";

/** The settings the startup line lists. */
function settingsOf(record: LogRecord): Record<string, unknown> {
  return record.settings as Record<string, unknown>;
}

const badInvocations: BadInvocation[] = [
  { args: ["--echo-port", "abc"], says: /--echo-port: expected a port from 0 to 65535, or off/ },
  { args: ["--echo-port", "70000"], says: /"70000" for --echo-port/ },
  { args: ["--bogus"], says: /Unknown flag --bogus: run with --help/ },
  { args: ["--idle-timeout=-1"], says: /"-1" for --idle-timeout: expected 0 \(never\) or a/ },
  { args: ["--idle-timeout", "-1"], says: /"-1" for --idle-timeout: expected 0 \(never\) or/ },
  { args: ["--idle-timeout", "0.0001"], says: /"0.0001" for --idle-timeout: .* from 0.001/ },
  { args: ["--heartbeat-interval", "0"], says: /"0" for --heartbeat-interval: .* from 0.01 to/ },
  { args: ["--heartbeat-interval", "0.0001"], says: /"0.0001" for --heartbeat-interval/ },
  { args: ["--echo-port", "-1"], says: /"-1" for --echo-port: expected a port from 0 to 65535/ },
  { args: ["--max-connections", "-5"], says: /"-5" for --max-connections: expected a whole/ },
  { args: ["--help=yes"], says: /Flag --help takes no value/ },
  { args: ["--rate-burst", "5"], says: /"5" for --rate-burst: expected at least --rate-limit/ },
  { args: ["--log-format", "xml"], says: /expected one of text, json/ },
  { args: ["--echo-port"], says: /Flag --echo-port needs a value/ },
  { args: ["extra"], says: /Unexpected argument extra/ },
  { args: ["--echo-port", "off", "--chat-port", "off"], says: /enable at least one/ },
  {
    args: [],
    env: { ECHOCHAT_MAX_CONNECTIONS: "many" },
    says: /ECHOCHAT_MAX_CONNECTIONS \(for --max-connections\): expected a whole number/,
  },
];

testBadInvocations("cli", badInvocations);

Deno.test("cli: a port already in use gives one line and a non-zero exit", async () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = String(blocker.addr.port);
    const { code, stderr } = await runProgram([
      "--host",
      "127.0.0.1",
      "--echo-port",
      port,
      "--chat-port",
      "off",
    ]);
    assert.notEqual(code, 0);
    const errorLines = stderr.trimEnd().split("\n").filter((line) => line.startsWith("echochat: "));
    assert.deepEqual(errorLines, [
      `echochat: Port ${port} is already in use on 127.0.0.1: pass --echo-port to choose another`,
    ]);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace for an expected condition");
  } finally {
    blocker.close();
  }
});

Deno.test("cli: --help lists every flag and exits 0; --version prints the version", async () => {
  const help = await runProgram(["--help"]);
  assert.equal(help.code, 0);
  for (
    const flag of [
      "--host",
      "--echo-port",
      "--chat-port",
      "--echo-prefix",
      "--idle-timeout",
      "--heartbeat-interval",
      "--max-connections",
      "--log-level",
      "--log-format",
      "--version",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), `--help does not mention ${flag}`);
  }
  const version = await runProgram(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^echochat \d+\.\d+\.\d+\n$/);
});

Deno.test("cli: port and enum words are not case-sensitive", async () => {
  await using server = await startServer(["--chat-port", "OFF", "--log-level", "INFO"]);
  assert.equal(server.chatPort, null);
  assert.ok(server.echoPort! > 0);
});

Deno.test("cli: environment variables configure the server and flags win over them", async () => {
  {
    await using server = await startServer(["--chat-port", "off"], { ECHOCHAT_IDLE_TIMEOUT: "42" });
    assert.equal(settingsOf(server.logs[0]!)["idle-timeout"], 42);
  }
  {
    await using server = await startServer(
      ["--chat-port", "off", "--idle-timeout", "7"],
      { ECHOCHAT_IDLE_TIMEOUT: "42", ECHOCHAT_MAX_CONNECTIONS: "12" },
    );
    assert.equal(settingsOf(server.logs[0]!)["idle-timeout"], 7);
    assert.equal(settingsOf(server.logs[0]!)["max-connections"], 12);
  }
});

Deno.test("cli: the startup line reports the port the OS picked and the settings", async () => {
  await using server = await startServer(["--chat-port", "off", "--idle-timeout", "42"]);
  assert.ok(server.echoPort! > 0);
  const started = server.logs.find((r) => String(r.message).includes("listening"))!;
  assert.equal(started.echoAddress, `127.0.0.1:${server.echoPort}`);
  assert.equal(settingsOf(started)["idle-timeout"], 42);
  assert.match(String(started.version), /^\d+\.\d+\.\d+$/);
});
