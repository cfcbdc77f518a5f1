/**
 * The reactor's TLS listeners in-process over real sockets: the same
 * protocol objects as plain TCP, and a certificate swap that keeps open
 * sessions.
 */
import assert from "node:assert/strict";
import { type Handler, Reactor } from "../../reactor/mod.ts";
import { makeCertificate, servedFingerprint, tempDir } from "../helpers/certificates.ts";
import { readExactly, writeAll } from "../helpers/socket.ts";

const echo: Handler<null> = {
  onOpen: () => null,
  onData: (conn, bytes) => void conn.write(bytes),
};

async function roundTrip(conn: Deno.Conn, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  await writeAll(conn, bytes);
  return new TextDecoder().decode(await readExactly(conn, bytes.length));
}

Deno.test("reactor over TLS: replaceTls serves the new certificate to new connections and keeps open ones", async () => {
  await using dir = await tempDir();
  const a = await makeCertificate(dir.path, "a");
  const b = await makeCertificate(dir.path, "b");
  const reactor = new Reactor({ idleTimeoutMs: 0 });
  const running = reactor.run();
  const protocol = { handler: echo };
  reactor.listen({ name: "plain", hostname: "127.0.0.1", port: 0, protocol });
  const addr = reactor.listen({
    name: "secure",
    hostname: "127.0.0.1",
    port: 0,
    protocol,
    tls: { cert: a.cert, key: a.key },
  });
  assert.equal(await servedFingerprint(addr.port), a.fingerprint);
  const old = await Deno.connectTls({ hostname: "127.0.0.1", port: addr.port, caCerts: [a.cert] });
  assert.equal(await roundTrip(old, "before"), "before");

  const rebound = await reactor.replaceTls("secure", { cert: b.cert, key: b.key });
  assert.deepEqual(rebound, addr, "the listener moved");
  assert.equal(await servedFingerprint(addr.port), b.fingerprint);
  const fresh = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: addr.port,
    caCerts: [b.cert],
  });
  assert.equal(await roundTrip(fresh, "after"), "after");
  assert.equal(await roundTrip(old, "still here"), "still here", "the open session broke");

  const stats = reactor.stats().find((s) => s.name === "secure")!;
  assert.equal(
    stats.accepted,
    4,
    "two s_client handshakes and two clients, on one set of counters",
  );
  await assert.rejects(
    reactor.replaceTls("plain", { cert: b.cert, key: b.key }),
    RangeError,
    "a plain listener must not turn into a TLS one",
  );
  await assert.rejects(reactor.replaceTls("missing", { cert: b.cert, key: b.key }), RangeError);
  old.close();
  fresh.close();
  await reactor.stop({ graceMs: 5_000 });
  await running;
});

Deno.test("reactor over TLS: replaceTls during a stop binds nothing", async () => {
  await using dir = await tempDir();
  const a = await makeCertificate(dir.path, "a");
  const reactor = new Reactor({ idleTimeoutMs: 0 });
  const running = reactor.run();
  const addr = reactor.listen({
    name: "secure",
    hostname: "127.0.0.1",
    port: 0,
    protocol: { handler: echo },
    tls: { cert: a.cert, key: a.key },
  });
  const replacing = reactor.replaceTls("secure", { cert: a.cert, key: a.key });
  const stopping = reactor.stop({ graceMs: 1_000 });
  assert.equal(await replacing, null);
  await stopping;
  await running;
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: addr.port }),
    Deno.errors.ConnectionRefused,
  );
});
