import assert from "node:assert/strict";
import { ConfigError, helpText, parseCommandLine } from "../../server/config.ts";

function run(args: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(args, (name) => env[name]);
  assert.equal(command.kind, "run");
  return (command as Extract<typeof command, { kind: "run" }>).config;
}

const PAIR = ["--tls-cert", "/etc/echochat/cert.pem", "--tls-key", "/etc/echochat/key.pem"];

Deno.test("config TLS: off by default; ports, files and their environment variables", () => {
  const plain = run([]);
  assert.equal(plain.echoTlsPort, null);
  assert.equal(plain.chatTlsPort, null);
  assert.equal(plain.tlsCert, null);
  assert.equal(plain.tlsKey, null);

  const flags = run([...PAIR, "--echo-tls-port", "0", "--chat-tls-port", "8879"]);
  assert.equal(flags.echoTlsPort, 0);
  assert.equal(flags.chatTlsPort, 8879);
  assert.equal(flags.tlsCert, "/etc/echochat/cert.pem");
  assert.equal(flags.tlsKey, "/etc/echochat/key.pem");

  const env = run(["--tls-cert", "flag.pem"], {
    ECHOCHAT_TLS_CERT: "env.pem",
    ECHOCHAT_TLS_KEY: "env.key",
    ECHOCHAT_CHAT_TLS_PORT: "0",
  });
  assert.equal(env.tlsCert, "flag.pem", "the flag wins over the environment");
  assert.equal(env.tlsKey, "env.key");
  assert.equal(env.chatTlsPort, 0);
  assert.equal(env.echoTlsPort, null);
});

Deno.test("config TLS: TLS ports alone are enough to run", () => {
  const config = run([...PAIR, "--echo-port", "off", "--chat-port", "off", "--echo-tls-port", "0"]);
  assert.equal(config.echoPort, null);
  assert.equal(config.chatPort, null);
  assert.equal(config.echoTlsPort, 0);
});

Deno.test("config TLS: incomplete or contradictory settings are one clear line", () => {
  const cases: [string[], Record<string, string>, string][] = [
    [
      ["--echo-tls-port", "0"],
      {},
      "--echo-tls-port needs a certificate: pass --tls-cert FILE and --tls-key FILE (PEM)",
    ],
    [
      ["--echo-tls-port", "0", "--chat-tls-port", "0"],
      {},
      "--echo-tls-port and --chat-tls-port need a certificate: pass --tls-cert FILE and --tls-key FILE (PEM)",
    ],
    [
      ["--chat-tls-port", "0", "--tls-cert", "c.pem"],
      {},
      "--tls-cert is set but --tls-key is not: TLS needs both the certificate and its private key",
    ],
    [
      ["--chat-tls-port", "0"],
      { ECHOCHAT_TLS_KEY: "k.pem" },
      "--tls-key is set but --tls-cert is not: TLS needs both the certificate and its private key",
    ],
    [
      PAIR,
      {},
      "--tls-cert and --tls-key are set but no TLS port is: add --echo-tls-port or --chat-tls-port",
    ],
    [
      [...PAIR, "--echo-tls-port", "8878"],
      {},
      "--chat-port and --echo-tls-port are both 8878: give them different ports",
    ],
    [
      [...PAIR, "--echo-tls-port", "9000", "--chat-tls-port", "9000"],
      {},
      "--echo-tls-port and --chat-tls-port are both 9000: give them different ports",
    ],
    [
      ["--echo-tls-port", "tls"],
      {},
      'Invalid value "tls" for --echo-tls-port: expected a port from 0 to 65535, or off',
    ],
  ];
  for (const [args, env, message] of cases) {
    assert.throws(() => parseCommandLine(args, (name) => env[name]), (error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      return true;
    });
  }
});

Deno.test("config TLS: port 0 on several listeners is not a clash", () => {
  const config = run([
    ...PAIR,
    "--echo-port",
    "0",
    "--chat-port",
    "0",
    "--echo-tls-port",
    "0",
    "--chat-tls-port",
    "0",
  ]);
  assert.equal(config.chatTlsPort, 0);
});

Deno.test("config TLS: --help shows the TLS flags with FILE and PORT placeholders", () => {
  const help = helpText("echochat", "0.0.0");
  assert.match(help, /--tls-cert FILE/);
  assert.match(help, /--tls-key FILE/);
  assert.match(help, /--echo-tls-port PORT/);
  assert.match(help, /--chat-tls-port PORT/);
  assert.match(help, /env ECHOCHAT_TLS_CERT/);
});
