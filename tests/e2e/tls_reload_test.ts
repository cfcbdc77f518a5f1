/**
 * Certificate reload without a restart: the files are replaced, SIGHUP,
 * and `openssl s_client` sees the new certificate while open sessions go
 * on; a bad file changes nothing but one error line.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../helpers/chat_client.ts";
import {
  makeCertificate,
  servedFingerprint,
  tempDir,
  type TestCertificate,
} from "../helpers/certificates.ts";
import { type LogRecord, type ServerProcess, startServer } from "../helpers/server_process.ts";
import { readExactly, writeAll } from "../helpers/socket.ts";

/** The files the server is started with; tests replace their contents. */
interface LiveFiles {
  cert: string;
  key: string;
}

/** Replaces a file the way certbot and friends do: write beside it, then rename over it. */
async function replaceFile(path: string, contents: string): Promise<void> {
  await Deno.writeTextFile(`${path}.new`, contents);
  await Deno.rename(`${path}.new`, path);
}

async function install(live: LiveFiles, cert: string, key: string): Promise<void> {
  await replaceFile(live.cert, cert);
  await replaceFile(live.key, key);
}

/** Sends SIGHUP and resolves with the first record after it that matches. */
function hangup(server: ServerProcess, match: (r: LogRecord) => boolean): Promise<LogRecord> {
  const from = server.logs.length;
  server.kill("SIGHUP");
  return server.waitForLog((r) => server.logs.indexOf(r) >= from && match(r));
}

const reloaded = (r: LogRecord) => String(r.message).startsWith("TLS certificate reloaded");
const failed = (r: LogRecord) => String(r.message).startsWith("TLS reload failed");

async function startWith(dir: string, first: TestCertificate) {
  const live = { cert: `${dir}/live.crt`, key: `${dir}/live.key` };
  await install(live, first.cert, first.key);
  const server = await startServer([
    "--tls-cert",
    live.cert,
    "--tls-key",
    live.key,
    "--echo-tls-port",
    "0",
    "--chat-tls-port",
    "0",
  ]);
  return { live, server };
}

async function roundTrip(conn: Deno.Conn, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  await writeAll(conn, bytes);
  return new TextDecoder().decode(await readExactly(conn, bytes.length));
}

Deno.test("tls reload: after SIGHUP new connections get the new certificate and open sessions go on", async () => {
  await using dir = await tempDir();
  const a = await makeCertificate(dir.path, "a");
  const b = await makeCertificate(dir.path, "b");
  const { live, server } = await startWith(dir.path, a);
  await using _ = server;
  const echoPort = server.echoTlsPort!;
  const chatPort = server.chatTlsPort!;
  assert.equal(await servedFingerprint(echoPort), a.fingerprint);
  assert.equal(await servedFingerprint(chatPort), a.fingerprint);
  const started = await server.waitForLog((r) => String(r.message).startsWith("TLS certificate "));
  assert.equal(started.fingerprint, a.fingerprint);

  // Nothing changed: nothing is rebound.
  const same = await hangup(server, (r) => String(r.message).includes("unchanged"));
  assert.equal(same.fingerprint, a.fingerprint);

  const echoSession = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: echoPort,
    caCerts: [a.cert],
  });
  assert.equal(await roundTrip(echoSession, "before"), "before");
  const alice = await ChatClient.connectTls(chatPort, a.cert);
  await alice.send("/nick alice");

  await install(live, b.cert, b.key);
  const record = await hangup(server, reloaded);
  assert.equal(record.fingerprint, b.fingerprint);
  assert.equal(record.previousFingerprint, a.fingerprint);
  assert.equal(record.listeners, "echo-tls, chat-tls");

  assert.equal(await servedFingerprint(echoPort), b.fingerprint, "same port, new certificate");
  assert.equal(await servedFingerprint(chatPort), b.fingerprint);
  assert.equal(await roundTrip(echoSession, "after"), "after", "the open session broke");
  const bob = await ChatClient.connectTls(chatPort, b.cert);
  await alice.send("still talking on the old session");
  await bob.waitFor("[lobby] <alice> still talking on the old session");
  await bob.send("and I joined on the new certificate");
  await alice.waitFor(/<guest-\d+> and I joined on the new certificate$/);
  echoSession.close();
  await Promise.all([alice.close(), bob.close()]);
  assert.equal(server.logs.filter((r) => r.level === "ERROR").length, 0);
  assert.equal((await server.close()).code, 0);
});

Deno.test("tls reload: a bad certificate or key keeps the old one and logs one error line", async () => {
  await using dir = await tempDir();
  const a = await makeCertificate(dir.path, "a");
  const b = await makeCertificate(dir.path, "b");
  const { live, server } = await startWith(dir.path, a);
  await using _ = server;
  const port = server.echoTlsPort!;
  const session = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [a.cert] });

  const attempts: { install: () => Promise<void>; says: RegExp }[] = [
    {
      install: () => replaceFile(live.key, "not a key\n"),
      says: /--tls-key\) holds no PEM private key/,
    },
    {
      install: () => install(live, b.cert, a.key),
      says: /--tls-key\) does not belong to the certificate/,
    },
    {
      install: () => replaceFile(live.cert, b.cert.slice(0, 200)),
      says: /--tls-cert\) holds (no|a damaged) PEM certificate/,
    },
    {
      install: () => Deno.remove(live.cert),
      says: /Cannot read the TLS certificate .* there is no such file/,
    },
  ];
  for (const attempt of attempts) {
    const errorsBefore = server.logs.filter((r) => r.level === "ERROR").length;
    await attempt.install();
    const record = await hangup(server, failed);
    assert.equal(record.level, "ERROR");
    assert.match(String(record.message), attempt.says);
    assert.match(String(record.message), /still serving [0-9A-F:]+:/);
    assert.equal(record.fingerprint, a.fingerprint);
    assert.equal(server.logs.filter((r) => r.level === "ERROR").length, errorsBefore + 1);
    assert.equal(await servedFingerprint(port), a.fingerprint, "the old certificate is gone");
    assert.equal(await roundTrip(session, "ok"), "ok");
  }

  // Once the files are good again, the next SIGHUP applies them.
  await install(live, b.cert, b.key);
  await hangup(server, reloaded);
  assert.equal(await servedFingerprint(port), b.fingerprint);
  assert.equal(await roundTrip(session, "still"), "still");
  session.close();
  assert.equal((await server.close()).code, 0);
});
