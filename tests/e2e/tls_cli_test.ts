/**
 * TLS settings as a user meets them: every certificate or key that cannot
 * be used is one line and exit 2, before anything is bound; good ones come
 * from flags or the environment and show in the startup lines.
 */
import assert from "node:assert/strict";
import { makeCertificate, servedFingerprint, tempDir } from "../helpers/certificates.ts";
import { runProgram, startServer } from "../helpers/server_process.ts";
import { randomBytes } from "../helpers/socket.ts";

Deno.test("tls cli: each unusable certificate or key is one clear line and exit 2", async () => {
  await using dir = await tempDir();
  const a = await makeCertificate(dir.path, "a");
  const b = await makeCertificate(dir.path, "b");
  const garbage = `${dir.path}/random.bin`;
  await Deno.writeFile(garbage, randomBytes(2048));
  const encrypted = `${dir.path}/encrypted.key`;
  const pkey = await new Deno.Command("openssl", {
    args: ["pkey", "-in", a.keyFile, "-aes256", "-passout", "pass:secret", "-out", encrypted],
  }).output();
  assert.ok(pkey.success);
  const missing = `${dir.path}/missing.crt`;

  const cases: { args: string[]; says: RegExp }[] = [
    {
      args: ["--echo-tls-port", "0"],
      says: /--echo-tls-port needs a certificate: pass --tls-cert FILE and --tls-key FILE/,
    },
    {
      args: ["--tls-cert", a.certFile, "--tls-key", a.keyFile],
      says: /set but no TLS port is: add --echo-tls-port or --chat-tls-port/,
    },
    {
      args: ["--chat-tls-port", "0", "--tls-cert", a.certFile],
      says: /--tls-cert is set but --tls-key is not/,
    },
    {
      args: ["--chat-tls-port", "0", "--tls-cert", missing, "--tls-key", a.keyFile],
      says: new RegExp(
        `Cannot read the TLS certificate "${missing}" \\(--tls-cert\\): there is no such file`,
      ),
    },
    {
      args: ["--chat-tls-port", "0", "--tls-cert", dir.path, "--tls-key", a.keyFile],
      says: /\(--tls-cert\): it is a directory, not a file/,
    },
    {
      args: ["--chat-tls-port", "0", "--tls-cert", garbage, "--tls-key", a.keyFile],
      says: /\(--tls-cert\) holds no PEM certificate/,
    },
    {
      args: ["--chat-tls-port", "0", "--tls-cert", a.certFile, "--tls-key", a.certFile],
      says: /\(--tls-key\) holds no PEM private key/,
    },
    {
      args: ["--chat-tls-port", "0", "--tls-cert", a.certFile, "--tls-key", b.keyFile],
      says: new RegExp(
        `The TLS private key "${b.keyFile}" \\(--tls-key\\) does not belong to the certificate "${a.certFile}"`,
      ),
    },
    {
      args: ["--chat-tls-port", "0", "--tls-cert", a.certFile, "--tls-key", encrypted],
      says: /\(--tls-key\) is encrypted: give it unencrypted/,
    },
  ];
  for (const { args, says } of cases) {
    const { code, stdout, stderr } = await runProgram(["--host", "127.0.0.1", ...args]);
    const lines = stderr.trimEnd().split("\n");
    assert.equal(code, 2, `${args.join(" ")}: exit ${code}\n${stderr}`);
    assert.equal(stdout, "");
    assert.equal(lines.length, 1, `${args.join(" ")}: expected one line, got:\n${stderr}`);
    assert.match(lines[0]!, /^echochat: /);
    assert.match(lines[0]!, says);
  }
});

Deno.test("tls cli: the environment configures TLS and the startup lines report it", async () => {
  await using dir = await tempDir();
  const cert = await makeCertificate(dir.path, "server");
  await using server = await startServer(["--echo-port", "off", "--chat-port", "off"], {
    ECHOCHAT_TLS_CERT: cert.certFile,
    ECHOCHAT_TLS_KEY: cert.keyFile,
    ECHOCHAT_ECHO_TLS_PORT: "0",
  });
  assert.equal(server.echoPort, null);
  assert.equal(server.chatTlsPort, null);
  assert.ok(server.echoTlsPort! > 0);
  const started = server.logs.find((r) => String(r.message).includes("listening"))!;
  assert.equal(started.echoTlsAddress, `127.0.0.1:${server.echoTlsPort}`);
  assert.match(String(started.message), /listening: echo-tls on 127\.0\.0\.1:\d+$/);
  const settings = started.settings as Record<string, unknown>;
  assert.equal(settings["tls-cert"], cert.certFile);
  assert.equal(settings["echo-tls-port"], 0);
  const tlsLine = await server.waitForLog((r) => String(r.message).startsWith("TLS certificate "));
  assert.equal(tlsLine.fingerprint, cert.fingerprint);
  assert.equal(tlsLine.subject, "CN=localhost");
  assert.equal(tlsLine.listeners, "echo-tls");
  assert.equal(await servedFingerprint(server.echoTlsPort!), cert.fingerprint);
});
