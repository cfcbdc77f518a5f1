/**
 * The reactor in-process over real sockets on port 0: what only the kernel
 * can show (TCP backpressure, FIN and EOF, many clients at once).
 */
import assert from "node:assert/strict";
import { type BufferOptions, type Handler, Reactor } from "../../reactor/mod.ts";
import { bytesEqual, connect, randomBytes, readAll, writeAll } from "../helpers/socket.ts";

/** Runs `handler` on a reactor listening on a free port. */
function serve<S>(handler: Handler<S>, buffers: Partial<BufferOptions> = {}) {
  const reactor = new Reactor({ idleTimeoutMs: 0 });
  const addr = reactor.listen({
    name: "test",
    hostname: "127.0.0.1",
    port: 0,
    protocol: { handler, buffers },
  });
  const running = reactor.run();
  return {
    reactor,
    port: addr.port,
    stop: async () => {
      await reactor.stop({ graceMs: 10_000 });
      return await running;
    },
  };
}

Deno.test("reactor over sockets: a peer that does not read pauses reading; the queue stays under the watermarks", async () => {
  const high = 32 * 1024;
  const maxRead = 16 * 1024;
  let maxQueued = 0;
  let drains = 0;
  const echo: Handler<null> = {
    onOpen: () => null,
    onData(conn, bytes) {
      // A copy, as a protocol that keeps what it read does: the queue can then
      // grow past the read buffer (writing the view itself holds the next read).
      conn.write(bytes.slice());
      maxQueued = Math.max(maxQueued, conn.queuedBytes);
    },
    onDrain: () => void drains++,
  };
  const server = serve(echo, {
    highWatermark: high,
    lowWatermark: 4096,
    maxReadBytes: maxRead,
    maxQueuedBytes: 1 << 20,
  });
  const client = await connect(server.port);
  const data = randomBytes(12 * 1024 * 1024);
  // Write without reading until the server's queue passes the high watermark.
  const writing = writeAll(client, data).then(() => client.closeWrite());
  const deadline = Date.now() + 30_000;
  while (maxQueued <= high) {
    assert.ok(Date.now() < deadline, `the queue never passed the high watermark: ${maxQueued}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const got = await readAll(client);
  await writing;
  client.close();
  const summary = await server.stop();
  assert.ok(bytesEqual(got, data), "the echo differs from the input");
  assert.ok(maxQueued > high, "the queue never passed the high watermark: the test proves nothing");
  assert.ok(maxQueued <= high + maxRead, `queued ${maxQueued} bytes, above ${high + maxRead}`);
  assert.ok(drains >= 1, "onDrain was never called");
  assert.deepEqual(summary, { graceful: 0, cutOff: 0 });
  assert.equal(server.reactor.stats()[0]!.closed.eof, 1);
});

Deno.test("reactor over sockets: stop() says goodbye, flushes and waits for every FIN", async () => {
  const goodbye: Handler<null> = {
    onOpen(conn) {
      conn.write(new TextEncoder().encode(`hello ${conn.id}\n`));
      return null;
    },
    onData() {},
    onClose(conn, reason) {
      conn.write(new TextEncoder().encode(`bye (${reason})\n`));
    },
  };
  const server = serve(goodbye);
  const clients = await Promise.all([connect(server.port), connect(server.port)]);
  const texts = clients.map((client) => readAll(client));
  while (server.reactor.size < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const summary = await Promise.all([
    server.stop(),
    ...texts.map(async (text, i) => {
      const bytes = await text;
      clients[i]!.close(); // the client's FIN, once the server's arrived
      return bytes;
    }),
  ]);
  assert.deepEqual(summary[0], { graceful: 2, cutOff: 0 });
  const decoded = summary.slice(1).map((bytes) => new TextDecoder().decode(bytes as Uint8Array));
  assert.deepEqual(decoded, ["hello 1\nbye (shutdown)\n", "hello 2\nbye (shutdown)\n"]);
});
