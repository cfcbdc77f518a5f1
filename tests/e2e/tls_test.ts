/**
 * Echo and chat over TLS, end to end: the real program with a certificate
 * made by `openssl req`, and the real clients `openssl s_client` and
 * `ncat --ssl`.
 */
import assert from "node:assert/strict";
import { ChatClient, TELNET_OPENING } from "../helpers/chat_client.ts";
import { makeCertificate, tempDir, type TestCertificate } from "../helpers/certificates.ts";
import { startServer } from "../helpers/server_process.ts";
import {
  bytesEqual,
  concat,
  connect,
  randomBytes,
  readAll,
  readExactly,
} from "../helpers/socket.ts";

/** The flags that turn TLS on with `cert`, both TLS ports on free ports. */
function tlsFlags(cert: TestCertificate): string[] {
  return [
    "--tls-cert",
    cert.certFile,
    "--tls-key",
    cert.keyFile,
    "--echo-tls-port",
    "0",
    "--chat-tls-port",
    "0",
  ];
}

/**
 * `openssl s_client` as a pipe, verifying the server against `cert`.
 *
 * At stdin EOF, s_client either ignores it and never exits (`-quiet`
 * implies `-ign_eof`) or shuts the connection down at once, dropping echoes
 * still in flight (`-no_ign_eof`). So stdin stays open until everything
 * expected has arrived, and `-no_ign_eof` then makes closing stdin end the
 * session with close_notify. `-nocommands` matters too: otherwise a read
 * from stdin that starts with `Q`, `R` or `K` quits, renegotiates or
 * updates keys instead of being sent.
 */
function sClient(port: number, cert: TestCertificate) {
  const child = new Deno.Command("openssl", {
    args: [
      "s_client",
      "-quiet",
      "-no_ign_eof",
      "-nocommands",
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      "localhost",
      "-CAfile",
      cert.certFile,
      "-verify_return_error",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const parts: Uint8Array[] = [];
  let total = 0;
  const waiters: { until: (bytes: number, text: () => string) => boolean; resolve: () => void }[] =
    [];
  const text = () => new TextDecoder().decode(concat(parts, total));
  const output = (async () => {
    for await (const chunk of child.stdout) {
      parts.push(chunk);
      total += chunk.length;
      for (const waiter of [...waiters]) {
        if (waiter.until(total, text)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
    return concat(parts, total);
  })();
  return {
    stdin: child.stdin,
    /** Everything s_client printed, once it has exited. */
    output,
    status: child.status,
    stderr,
    /** Resolves once `until` holds for the output so far (byte count, text). */
    waitFor(until: (bytes: number, text: () => string) => boolean): Promise<void> {
      if (until(total, text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ until, resolve });
        output.then(() => {
          if (waiters.some((w) => w.until === until)) {
            reject(new Error(`s_client ended first; it printed:\n${text()}`));
          }
        });
      });
    },
  };
}

Deno.test("tls: openssl s_client gets 4 MiB of random bytes back byte-exact from echo-tls", async () => {
  await using dir = await tempDir();
  const cert = await makeCertificate(dir.path, "server");
  await using server = await startServer(["--chat-port", "off", ...tlsFlags(cert)]);
  const data = randomBytes(4 * 1024 * 1024);
  const file = `${dir.path}/random.bin`;
  await Deno.writeFile(file, data);

  const client = sClient(server.echoTlsPort!, cert);
  using input = await Deno.open(file);
  // The file goes through s_client; stdin closes only once every byte is back.
  const sent = input.readable.pipeTo(client.stdin, { preventClose: true });
  await client.waitFor((bytes) => bytes >= data.length);
  await sent;
  await client.stdin.close();
  const echoed = await client.output;
  const status = await client.status;
  assert.equal(status.code, 0, await client.stderr);
  assert.equal(echoed.length, data.length);
  assert.ok(bytesEqual(echoed, data), "s_client got back different bytes");

  const closed = await server.waitForLog((r) => r.listener === "echo-tls" && r.reason === "eof");
  assert.equal(closed.bytesIn, data.length);
  assert.equal(closed.bytesOut, data.length);
});

Deno.test("tls: an ncat --ssl user chats with a TLS user and a plain TCP user in one room", async () => {
  await using dir = await tempDir();
  const cert = await makeCertificate(dir.path, "server");
  await using server = await startServer(["--echo-port", "off", ...tlsFlags(cert)]);
  const plain = await ChatClient.connect(server.chatPort!);
  await plain.send("/nick olga");
  const secure = await ChatClient.connectTls(server.chatTlsPort!, cert.cert);
  await secure.send("/nick tina");
  await plain.waitFor("* guest-2 is now known as tina");

  const ncat = new Deno.Command("ncat", {
    args: [
      "--ssl",
      "--ssl-verify",
      "--ssl-trustfile",
      cert.certFile,
      "--ssl-servername",
      "localhost",
      "127.0.0.1",
      String(server.chatTlsPort),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const keyboard = ncat.stdin.getWriter();
  const type = (text: string) => keyboard.write(new TextEncoder().encode(text));
  await type("/nick carol\nhello over tls\n");
  await plain.waitFor("[lobby] <carol> hello over tls");
  await secure.waitFor("[lobby] <carol> hello over tls");
  await plain.send("hi carol, from plain TCP");
  await secure.send("hi carol, from TLS");
  await plain.sync();
  await secure.sync();
  await type("/who\n/quit\n");
  await plain.waitFor("* carol quit");
  await keyboard.close().catch(() => {}); // ncat may be gone already
  const { code, stdout, stderr } = await ncat.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));

  assert.deepEqual([...stdout.subarray(0, TELNET_OPENING.length)], TELNET_OPENING);
  const output = new TextDecoder().decode(stdout.subarray(TELNET_OPENING.length));
  assert.match(output, /^Welcome to echochat .*! 3 people online\.\r\n/);
  assert.ok(output.includes("* You are now known as carol\r\n"), output);
  assert.ok(output.includes("[lobby] <olga> hi carol, from plain TCP\r\n"), output);
  assert.ok(output.includes("[lobby] <tina> hi carol, from TLS\r\n"), output);
  assert.match(output, /\* In #lobby \(3\): (?=.*carol)(?=.*olga)(?=.*tina)/);
  assert.ok(output.endsWith("* Bye!\r\n"), output);
  assert.ok(!secure.lines.includes("[lobby] <tina> hi carol, from TLS"), "own line came back");
  await Promise.all([plain.close(), secure.close()]);
  const listeners = new Set(
    server.logs.filter((r) => r.reason !== undefined).map((r) => String(r.listener)),
  );
  assert.ok(listeners.has("chat-tls"), "the TLS users' closes are logged under chat-tls");
});

Deno.test("tls: a graceful stop tells an openssl s_client chat user goodbye, then exits 0", async () => {
  await using dir = await tempDir();
  const cert = await makeCertificate(dir.path, "server");
  await using server = await startServer(["--echo-port", "off", ...tlsFlags(cert)]);
  const client = sClient(server.chatTlsPort!, cert);
  await client.waitFor((_, text) => text().includes("Type /help for commands"));
  // A TLS echo user that is mid-session when the stop comes.
  const echoUser = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: server.echoTlsPort!,
    caCerts: [cert.cert],
  });
  await echoUser.handshake(); // the server is in the handshake too: it has accepted

  server.kill("SIGTERM");
  const goodbye = "! The server is shutting down. Goodbye!\r\n";
  await client.waitFor((_, text) => text().endsWith(goodbye));
  const echoEnd = await readAll(echoUser); // the server's close_notify and FIN
  echoUser.close();
  await client.stdin.close();
  await client.status;
  assert.equal(echoEnd.length, 0);
  assert.equal((await server.status).code, 0);
  const closes = server.logs.filter((r) => r.reason === "shutdown");
  assert.deepEqual(closes.map((r) => r.listener).sort(), ["chat-tls", "echo-tls"]);
  const stopped = server.logs.find((r) => String(r.message).startsWith("Stopped"))!;
  assert.equal(stopped.cutOff, 0, "a TLS connection was cut off instead of closing gracefully");
});

Deno.test("tls: a chat user on TLS who never reads is disconnected as too slow; the others are not delayed", async () => {
  await using dir = await tempDir();
  const cert = await makeCertificate(dir.path, "server");
  await using server = await startServer([
    "--echo-port",
    "off",
    "--rate-limit",
    "1000000",
    ...tlsFlags(cert),
  ]);
  const sender = await ChatClient.connect(server.chatPort!);
  const reader = await ChatClient.connectTls(server.chatTlsPort!, cert.cert);
  // The stuck client finishes the handshake, then never reads a byte.
  const stuck = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: server.chatTlsPort!,
    caCerts: [cert.cert],
  });
  await stuck.handshake();
  // A connection that stays is announced after a moment, even without a line.
  await reader.waitFor(/^\* guest-3 joined #lobby$/);
  await sender.send("/nick sender");
  await reader.waitFor("* guest-1 is now known as sender");
  const filler = "x".repeat(3900);
  const total = 8000; // ~31 MB through the room: more than socket and TLS buffers hold
  for (let i = 0; i < total; i += 25) {
    const batch = Array.from({ length: 25 }, (_, j) => `${i + j} ${filler}`);
    await sender.send(batch.join("\n"));
    await reader.waitFor(`[lobby] <sender> ${batch[24]}`, { from: reader.lines.length - 30 });
  }
  const received = reader.lines.filter((line) => line.startsWith("[lobby] <sender> "));
  assert.equal(received.length, total, "the TLS reader lost lines");
  assert.ok(received.every((line, i) => line === `[lobby] <sender> ${i} ${filler}`));
  const closed = await server.waitForLog((r) => r.reason === "slow-consumer");
  assert.equal(closed.listener, "chat-tls");
  await reader.waitFor(/^\* guest-3 left \(too slow to keep up\)$/);
  stuck.close();
  await Promise.all([sender.close(), reader.close()]);
});

Deno.test("tls: idle TLS connections are reaped, handshake done or not, and a plain-text client is refused", async () => {
  await using dir = await tempDir();
  const cert = await makeCertificate(dir.path, "server");
  await using server = await startServer([
    "--chat-port",
    "off",
    "--idle-timeout",
    "1",
    "--heartbeat-interval",
    "0.1",
    "--log-level",
    "debug",
    ...tlsFlags(cert),
  ]);
  const silent = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: server.echoTlsPort!,
    caCerts: [cert.cert],
  });
  await silent.handshake();
  assert.equal((await readAll(silent)).length, 0, "the idle TLS session ends with no data");
  silent.close();
  await server.waitForLog((r) => r.listener === "echo-tls" && r.reason === "idle");

  // TCP only, never a ClientHello: the reactor reaps it all the same (though
  // Deno keeps such a socket open until the peer sends or leaves: see the
  // README's known limits).
  const noHello = await connect(server.echoTlsPort!);
  const port = noHello.localAddr.port;
  await server.waitForLog((r) => r.reason === "idle" && String(r.peer).endsWith(`:${port}`));
  noHello.close();

  // Plain text on the TLS port is not a ClientHello: that connection fails, the listener goes on.
  const plainText = await connect(server.echoTlsPort!);
  await plainText.write(new TextEncoder().encode("hello?\r\n"));
  const answer = await readAll(plainText);
  plainText.close();
  assert.ok(!new TextDecoder().decode(answer).includes("hello?"), "plain text was echoed");
  await server.waitForLog((r) => r.listener === "echo-tls" && r.reason === "error");
  const after = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: server.echoTlsPort!,
    caCerts: [cert.cert],
  });
  await after.write(new TextEncoder().encode("still serving"));
  assert.equal(new TextDecoder().decode(await readExactly(after, 13)), "still serving");
  after.close();
});
