/**
 * The reactor in-process over real sockets on port 0, with handlers that
 * record what they see. A contract suite: every test runs on both
 * transports, since the reactor promises the same behaviour on each.
 */
import assert from "node:assert/strict";
import {
  type BufferOptions,
  type CloseReason,
  type Handler,
  Reactor,
  type TransportKind,
} from "../../reactor/mod.ts";
import { bytesEqual, connect, randomBytes, readAll, writeAll } from "../helpers/socket.ts";

/** Runs `handler` on a reactor listening on a free port; `stop` waits until it has stopped. */
async function serve<S>(
  transport: TransportKind,
  handler: Handler<S>,
  buffers: Partial<BufferOptions> = {},
) {
  const reactor = new Reactor({ idleTimeoutMs: 0, transport });
  const addr = await reactor.listen({
    name: "test",
    hostname: "127.0.0.1",
    port: 0,
    handler,
    buffers,
  });
  const running = reactor.run();
  return {
    reactor,
    port: addr.port,
    stop: async (graceMs?: number) => {
      await reactor.stop(graceMs === undefined ? {} : { graceMs });
      await running;
    },
  };
}

/** Polls `condition` every few milliseconds, failing after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const transport of ["node", "deno"] as TransportKind[]) {
  Deno.test(`reactor (${transport}): a peer that does not read pauses reading; memory stays under the watermarks`, async () => {
    const high = 32 * 1024;
    const maxRead = 16 * 1024;
    let maxQueued = 0;
    let drains = 0;
    const closes: CloseReason[] = [];
    const echo: Handler<null> = {
      onOpen: () => null,
      onData(conn, bytes) {
        conn.write(bytes);
        maxQueued = Math.max(maxQueued, conn.queuedBytes);
      },
      onDrain: () => drains++,
      onClose: (_conn, reason) => closes.push(reason),
    };
    const server = await serve(transport, echo, {
      highWatermark: high,
      lowWatermark: 4096,
      maxReadBytes: maxRead,
      maxQueuedBytes: 1 << 20,
    });
    const client = await connect(server.port);
    const data = randomBytes(12 * 1024 * 1024);
    // Write without reading until the server's queue passes the high watermark.
    const writing = writeAll(client, data).then(() => client.closeWrite());
    await until(() => maxQueued > high);
    const echoed = await readAll(client);
    await writing;
    client.close();
    await server.stop();
    assert.ok(bytesEqual(echoed, data));
    // One read can land after the pause: the deno transport reads at most
    // maxReadBytes, node:net's native handle at most 64 KiB.
    const bound = high + (transport === "deno" ? maxRead : 65536);
    assert.ok(maxQueued <= bound, `queued ${maxQueued} bytes, above ${bound}`);
    assert.ok(drains >= 1, "onDrain was never called");
    assert.deepEqual(closes, ["eof"]);
  });

  Deno.test(`reactor (${transport}): a write past maxQueuedBytes closes that connection as slow-consumer only`, async () => {
    const closes: [number, CloseReason][] = [];
    const payload = new Uint8Array(64 * 1024);
    const flood: Handler<null> = {
      onOpen: () => null,
      onData(conn, bytes) {
        if (bytes[0] === 0x66) { // "f": flood this connection without it ever reading
          for (let i = 0; i < 100 && conn.write(payload); i++);
        } else conn.write(bytes);
      },
      onClose: (conn, reason) => closes.push([conn.id, reason]),
    };
    const server = await serve(transport, flood, { maxQueuedBytes: 512 * 1024 });
    const victim = await connect(server.port);
    const bystander = await connect(server.port);
    await writeAll(victim, new TextEncoder().encode("f"));
    await writeAll(bystander, new TextEncoder().encode("hello"));
    await bystander.closeWrite();
    assert.equal(new TextDecoder().decode(await readAll(bystander)), "hello");
    const received = await readAll(victim);
    assert.ok(received.length <= 512 * 1024, "more than the hard limit reached the slow peer");
    victim.close();
    bystander.close();
    await server.stop();
    assert.deepEqual(closes.sort(), [[1, "slow-consumer"], [2, "eof"]]);
  });

  Deno.test(`reactor (${transport}): stop() lets protocols say goodbye and flushes; ids are never reused`, async () => {
    const seen: number[] = [];
    const goodbye: Handler<null> = {
      onOpen(conn) {
        seen.push(conn.id);
        conn.write(new TextEncoder().encode(`hello ${conn.id}\n`));
        return null;
      },
      onData() {},
      onClosing(conn, reason) {
        conn.write(new TextEncoder().encode(`bye (${reason})\n`));
      },
    };
    const server = await serve(transport, goodbye);
    const first = await connect(server.port);
    const firstText = readAll(first);
    const second = await connect(server.port);
    const secondText = readAll(second);
    await until(() => server.reactor.size === 2);
    await server.stop(2000);
    const texts = [
      new TextDecoder().decode(await firstText),
      new TextDecoder().decode(await secondText),
    ];
    first.close();
    second.close();
    assert.deepEqual(texts, ["hello 1\nbye (shutdown)\n", "hello 2\nbye (shutdown)\n"]);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(server.reactor.stats.closed.shutdown, 2);
  });

  Deno.test(`reactor (${transport}): a handler that throws closes only its own connection with reason error`, async () => {
    const closes: CloseReason[] = [];
    const fragile: Handler<null> = {
      onOpen: () => null,
      onData(conn, bytes) {
        if (bytes[0] === 0x21) throw new Error("boom"); // "!"
        conn.write(bytes);
      },
      onClose: (_conn, reason) => closes.push(reason),
    };
    const server = await serve(transport, fragile);
    const bad = await connect(server.port);
    const good = await connect(server.port);
    await writeAll(bad, new TextEncoder().encode("!"));
    assert.equal((await readAll(bad)).length, 0);
    await writeAll(good, new TextEncoder().encode("fine"));
    await good.closeWrite();
    assert.equal(new TextDecoder().decode(await readAll(good)), "fine");
    bad.close();
    good.close();
    await server.stop();
    assert.deepEqual(closes.sort(), ["eof", "error"]);
  });
}
