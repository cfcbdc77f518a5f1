/**
 * The operations flags as a user meets them: --http-port, --udp,
 * --udp-rate and --udp-burst, bad values, busy ports and the startup line.
 */
import assert from "node:assert/strict";
import { runProgram, startServer } from "../helpers/server_process.ts";
import { udpSocket } from "../helpers/udp.ts";
import { type BadInvocation, testBadInvocations } from "../helpers/bad_invocations.ts";

const badInvocations: BadInvocation[] = [
  { args: ["--http-port", "web"], says: /"web" for --http-port: expected a port from 0 to 65535/ },
  {
    args: ["--echo-port", "9100", "--http-port", "9100"],
    says: /--http-port and --echo-port are both 9100: give them different ports/,
  },
  {
    args: ["--chat-port", "9101", "--http-port", "9101"],
    says: /--http-port and --chat-port are both 9101/,
  },
  { args: ["--udp", "maybe"], says: /"maybe" for --udp: expected one of on, off/ },
  { args: ["--udp-rate", "0"], says: /"0" for --udp-rate: expected a whole number from 1/ },
  {
    args: [],
    env: { ECHOCHAT_UDP_BURST: "lots" },
    says: /ECHOCHAT_UDP_BURST \(for --udp-burst\): expected a whole number/,
  },
];

testBadInvocations("cli ops", badInvocations);

Deno.test("cli ops: a busy HTTP port exits 1 with one line naming --http-port", async () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = blocker.addr.port;
    const { code, stderr } = await runProgram([
      "--host",
      "127.0.0.1",
      "--echo-port",
      "0",
      "--chat-port",
      "0",
      "--http-port",
      String(port),
    ]);
    assert.equal(code, 1);
    assert.deepEqual(stderr.trimEnd().split("\n").filter((l) => l.startsWith("echochat: ")), [
      `echochat: Port ${port} is already in use on 127.0.0.1: pass --http-port to choose another`,
    ]);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace for an expected condition");
  } finally {
    blocker.close();
  }
});

Deno.test("cli ops: an echo port whose UDP side is busy exits 1 and says --udp off avoids it", async () => {
  const blocker = udpSocket();
  try {
    const port = (blocker.addr as Deno.NetAddr).port;
    const args = ["--host", "127.0.0.1", "--echo-port", String(port), "--chat-port", "off"];
    const { code, stderr } = await runProgram(args);
    assert.equal(code, 1);
    assert.deepEqual(stderr.trimEnd().split("\n").filter((l) => l.startsWith("echochat: ")), [
      `echochat: UDP echo: Port ${port} is already in use on 127.0.0.1: pass --echo-port ` +
      "to choose another (or --udp off)",
    ]);
    // With UDP off the same TCP port serves.
    await using server = await startServer(["--echo-port", String(port), "--udp", "off"]);
    assert.equal(server.echoPort, port);
  } finally {
    blocker.close();
  }
});

Deno.test("cli ops: the startup line gives the HTTP and UDP addresses; --help lists the flags", async () => {
  await using server = await startServer(["--http-port", "0"], { ECHOCHAT_UDP_RATE: "7" });
  const started = server.logs.find((r) => String(r.message).includes("listening"))!;
  assert.equal(started.httpAddress, `127.0.0.1:${server.httpPort}`);
  assert.equal(started.udpAddress, `127.0.0.1:${server.echoPort}`);
  assert.match(
    String(started.listening),
    new RegExp(`udp echo on 127\\.0\\.0\\.1:${server.echoPort}, http on 127\\.0\\.0\\.1:\\d+$`),
  );
  const settings = started.settings as Record<string, unknown>;
  assert.deepEqual(
    [settings["http-port"], settings["udp"], settings["udp-rate"], settings["udp-burst"]],
    [0, "on", 7, 100],
  );
  const help = await runProgram(["--help"]);
  for (const flag of ["--http-port", "--udp ", "--udp-rate", "--udp-burst", "ECHOCHAT_HTTP_PORT"]) {
    assert.ok(help.stdout.includes(flag), `--help does not mention ${flag}`);
  }
});

Deno.test("cli ops: the HTTP side port is off unless asked for", async () => {
  await using server = await startServer([]);
  assert.equal(server.httpPort, null);
  const started = server.logs.find((r) => String(r.message).includes("listening"))!;
  assert.equal(started.httpAddress, null);
});
