/**
 * The reactor's connection lifecycle driven in memory: in-memory streams
 * instead of sockets, a manual clock and manual heartbeat ticks instead of
 * waiting, so idle, grace and linger are tested in milliseconds.
 */
import assert from "node:assert/strict";
import { type CloseReason, type Conn, type Handler, Reactor } from "../../reactor/mod.ts";
import { ManualClock, MemoryPeer, settle } from "../helpers/memory_stream.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** A handler that records what happens and echoes what it gets. */
function recorder(options: { warn?: boolean } = {}) {
  const events: string[] = [];
  const handler: Handler<null> = {
    onOpen(conn) {
      events.push(`open ${conn.id}`);
      return null;
    },
    onData(conn, bytes) {
      events.push(`data ${conn.id} ${new TextDecoder().decode(bytes)}`);
      conn.write(bytes);
    },
    onClose(conn, reason) {
      events.push(`close ${conn.id} ${reason}`);
      conn.write(encode(`bye ${reason}\n`));
    },
  };
  if (options.warn) {
    handler.onIdle = (conn) => {
      events.push(`idle ${conn.id}`);
      conn.write(encode("are you there?\n"));
    };
  }
  return { events, handler };
}

function setup(options: { idleTimeoutMs?: number; idleGraceMs?: number; lingerMs?: number } = {}) {
  const clock = new ManualClock();
  const reactor = new Reactor({ clock: clock.read, heartbeatIntervalMs: 3_600_000, ...options });
  return { clock, reactor };
}

Deno.test("reactor: an idle connection is closed after the timeout, an active one is kept", async () => {
  const { clock, reactor } = setup({ idleTimeoutMs: 1000 });
  const { events, handler } = recorder();
  const quiet = new MemoryPeer();
  const busy = new MemoryPeer();
  reactor.add("test", { handler }, quiet.stream);
  reactor.add("test", { handler }, busy.stream);
  await settle();
  clock.advance(600);
  busy.send("ping");
  await settle();
  clock.advance(400);
  reactor.tick();
  await settle();
  assert.deepEqual(events, ["open 1", "open 2", "data 2 ping", "close 1 idle"]);
  assert.equal(quiet.text, "bye idle\n");
  assert.ok(quiet.serverEnded, "the idle connection got no FIN");
  clock.advance(599);
  reactor.tick();
  assert.equal(reactor.size, 2, "the lingering connection and the busy one are still open");
  clock.advance(1);
  reactor.tick();
  await settle();
  assert.ok(events.includes("close 2 idle"));
});

Deno.test("reactor: onIdle gets the grace period; any byte in the grace keeps the connection", async () => {
  const { clock, reactor } = setup({ idleTimeoutMs: 1000, idleGraceMs: 500 });
  const { events, handler } = recorder({ warn: true });
  const peer = new MemoryPeer();
  reactor.add("test", { handler }, peer.stream);
  await settle();
  clock.advance(1000);
  reactor.tick();
  await settle();
  assert.equal(peer.text, "are you there?\n");
  clock.advance(400);
  peer.send("y");
  await settle();
  clock.advance(999);
  reactor.tick();
  assert.deepEqual(events, ["open 1", "idle 1", "data 1 y"], "warned again too early");
  clock.advance(1);
  reactor.tick();
  clock.advance(499);
  reactor.tick();
  assert.deepEqual(events, ["open 1", "idle 1", "data 1 y", "idle 1"]);
  clock.advance(1);
  reactor.tick();
  assert.deepEqual(events, ["open 1", "idle 1", "data 1 y", "idle 1", "close 1 idle"]);
});

Deno.test("reactor: a graceful close waits for the peer's FIN, and the linger time bounds the wait", async () => {
  const { clock, reactor } = setup({ lingerMs: 5000 });
  const closing: Handler<null> = {
    onOpen: () => null,
    onData(conn) {
      conn.write(encode("goodbye\n"));
      conn.end();
    },
  };
  const polite = new MemoryPeer();
  const silent = new MemoryPeer();
  reactor.add("test", { handler: closing }, polite.stream);
  reactor.add("test", { handler: closing }, silent.stream);
  polite.send("quit");
  silent.send("quit");
  await settle();
  assert.equal(polite.text, "goodbye\n");
  assert.ok(polite.serverEnded && silent.serverEnded, "FIN was not sent after the flush");
  assert.ok(!polite.closed && !silent.closed, "closed before the peer's FIN");
  polite.send("late bytes are read and dropped");
  polite.end();
  await settle();
  assert.ok(polite.closed, "the peer's FIN did not end the linger");
  assert.equal(polite.text, "goodbye\n");
  clock.advance(4999);
  reactor.tick();
  assert.ok(!silent.closed);
  clock.advance(1);
  reactor.tick();
  assert.ok(silent.closed, "the linger time did not end the wait");
  assert.equal(reactor.size, 0);
  assert.equal(reactor.stats()[0]!.closed.server, 2);
});

Deno.test("reactor: output queued in one turn goes out in one write per connection", async () => {
  const { reactor } = setup();
  const members: Conn<null>[] = [];
  const room: Handler<null> = {
    onOpen(conn) {
      members.push(conn);
      return null;
    },
    onData(_conn, bytes) {
      for (const member of members) member.write(bytes);
    },
  };
  const peers = Array.from({ length: 5 }, (_, i) => new MemoryPeer(40000 + i));
  for (const peer of peers) reactor.add("room", { handler: room }, peer.stream);
  await settle();
  // Three lines arrive in the same iteration from three members.
  peers[0]!.send("a\n");
  peers[1]!.send("b\n");
  peers[2]!.send("c\n");
  await settle();
  for (const peer of peers) {
    assert.equal(peer.writes.length, 1, "the lines were not coalesced into one write");
    assert.equal(peer.text, "a\nb\nc\n");
  }
});

Deno.test("reactor: a partial write is finished before anything queued after it", async () => {
  const { reactor } = setup();
  const { handler } = recorder();
  const peer = new MemoryPeer();
  peer.writeLimit = 3;
  reactor.add("test", { handler }, peer.stream);
  peer.send("hello ");
  await settle();
  peer.send("world");
  await settle();
  await settle();
  assert.equal(peer.text, "hello world");
  assert.ok(peer.writes.every((bytes) => bytes.length <= 3));
});

Deno.test("reactor: a protocol that outgrows its input stops when congested and resumes after the drain", async () => {
  const { reactor } = setup();
  let calls = 0;
  const expanding: Handler<null> = {
    onOpen: () => null,
    onData(conn, bytes) {
      calls++;
      let used = 0;
      while (used < bytes.length && !conn.congested) {
        conn.write(new Uint8Array(1024).fill(bytes[used]!));
        used++;
      }
      return used;
    },
  };
  const peer = new MemoryPeer();
  peer.writeLimit = 4096;
  const buffers = { highWatermark: 8192, lowWatermark: 2048, maxReadBytes: 256 };
  reactor.add("test", { handler: expanding, buffers }, peer.stream);
  const input = new Uint8Array(100).map((_, i) => i);
  peer.send(input);
  for (let i = 0; i < 20; i++) await settle();
  const output = peer.writes.reduce((sum, bytes) => sum + bytes.length, 0);
  assert.equal(output, 100 * 1024, "some input was never turned into output");
  assert.ok(calls > 1, "the protocol was never stopped by congestion");
  assert.equal(reactor.size, 1, "the connection was dropped instead of slowed down");
});

Deno.test("reactor: a write past the hard limit closes only that connection, as slow-consumer", async () => {
  const { reactor } = setup();
  const closes: string[] = [];
  const flood: Handler<null> = {
    onOpen: () => null,
    onData(conn, bytes) {
      if (bytes[0] === 0x66) { for (let i = 0; i < 100 && conn.write(new Uint8Array(65536)); i++); }
      else conn.write(bytes);
    },
    onClose: (conn, reason) => void closes.push(`${conn.id} ${reason}`),
  };
  const victim = new MemoryPeer();
  victim.writeLimit = 0;
  const bystander = new MemoryPeer();
  reactor.add("test", { handler: flood, buffers: { maxQueuedBytes: 512 * 1024 } }, victim.stream);
  reactor.add("test", { handler: flood }, bystander.stream);
  victim.send("f");
  bystander.send("hello");
  await settle();
  assert.deepEqual(closes, ["1 slow-consumer"]);
  assert.ok(victim.closed);
  assert.equal(bystander.text, "hello");
});

Deno.test("reactor: a handler that throws closes its own connection with reason error", async () => {
  const failures: unknown[] = [];
  const closes: CloseReason[] = [];
  const reactor = new Reactor({
    heartbeatIntervalMs: 3_600_000,
    observer: { handlerFailed: (_conn, error) => void failures.push(error) },
  });
  const fragile: Handler<null> = {
    onOpen: () => null,
    onData(conn, bytes) {
      if (bytes[0] === 0x21) throw new Error("boom");
      conn.write(bytes);
    },
    onClose: (_conn, reason) => void closes.push(reason),
  };
  const bad = new MemoryPeer();
  const good = new MemoryPeer();
  reactor.add("test", { handler: fragile }, bad.stream);
  reactor.add("test", { handler: fragile }, good.stream);
  bad.send("!");
  good.send("fine");
  await settle();
  assert.deepEqual(closes, ["error"]);
  assert.equal((failures[0] as Error).message, "boom");
  assert.ok(bad.closed);
  assert.equal(good.text, "fine");
  await reactor.abort();
});

Deno.test("reactor: a reset mid-stream closes that connection as reset; the others go on", async () => {
  const { reactor } = setup();
  const { events, handler } = recorder();
  const a = new MemoryPeer();
  const b = new MemoryPeer();
  reactor.add("test", { handler }, a.stream);
  reactor.add("test", { handler }, b.stream);
  a.send("x");
  await settle();
  a.reset();
  b.send("y");
  await settle();
  assert.deepEqual(events, ["open 1", "open 2", "data 1 x", "close 1 reset", "data 2 y"]);
  assert.equal(b.text, "y");
  assert.equal(reactor.size, 1);
});

Deno.test("reactor: stop() ends gracefully once every peer has closed, before the grace runs out", async () => {
  const { reactor } = setup();
  const { handler } = recorder();
  const peers = [new MemoryPeer(), new MemoryPeer()];
  for (const peer of peers) reactor.add("test", { handler }, peer.stream);
  reactor.run();
  await settle();
  const stopped = reactor.stop({ graceMs: 3_600_000 });
  await settle();
  for (const peer of peers) {
    assert.equal(peer.text, "bye shutdown\n");
    assert.ok(peer.serverEnded);
    peer.end();
  }
  const summary = await stopped;
  assert.deepEqual(summary, { graceful: 2, cutOff: 0 });
});

Deno.test("reactor: stop() cuts off, after the grace, peers that never finish", async () => {
  const { clock, reactor } = setup();
  const { handler } = recorder();
  const stuck = new MemoryPeer();
  stuck.writeLimit = 0;
  const polite = new MemoryPeer();
  reactor.add("test", { handler }, stuck.stream);
  reactor.add("test", { handler }, polite.stream);
  reactor.run();
  await settle();
  const stopped = reactor.stop({ graceMs: 2000 });
  await settle();
  polite.end();
  await settle();
  clock.advance(2000);
  reactor.tick();
  const summary = await stopped;
  assert.deepEqual(summary, { graceful: 1, cutOff: 1 });
  assert.ok(stuck.closed);
});

Deno.test("reactor: ids are never reused and refusals beyond maxConnections are counted", async () => {
  const refused: string[] = [];
  const reactor = new Reactor({
    maxConnections: 2,
    heartbeatIntervalMs: 3_600_000,
    observer: { refused: (listener) => void refused.push(listener) },
  });
  const seen: number[] = [];
  const handler: Handler<null> = {
    onOpen: (conn) => {
      seen.push(conn.id);
      return null;
    },
    onData: () => {},
  };
  const protocol = { handler, refusal: encode("full\n") };
  const peers = [new MemoryPeer(), new MemoryPeer(), new MemoryPeer()];
  assert.deepEqual(peers.map((peer) => reactor.add("test", protocol, peer.stream)), [
    true,
    true,
    false,
  ]);
  await settle();
  assert.equal(peers[2]!.text, "full\n");
  assert.ok(peers[2]!.closed);
  peers[0]!.reset();
  await settle();
  const again = new MemoryPeer();
  assert.ok(reactor.add("test", protocol, again.stream));
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(refused, ["test"]);
  const [stats] = reactor.stats();
  assert.equal(stats!.accepted, 3);
  assert.equal(stats!.refused, 1);
  await reactor.abort();
});

Deno.test("reactor: past the output budget, the connection furthest behind is closed; the others are served", async () => {
  const shed: number[] = [];
  const reactor = new Reactor({
    heartbeatIntervalMs: 3_600_000,
    maxQueuedBytesTotal: 120 * 1024,
    observer: { shed: (conn) => void shed.push(conn.id) },
  });
  const { events, handler: echo } = recorder();
  // A protocol that keeps its own copy (like a chat relaying lines), so each
  // queue can grow to its high watermark.
  const handler: Handler<null> = {
    ...echo,
    onData: (conn, bytes) => echo.onData(conn, bytes.slice()),
  };
  // Peers that never read: each stops being read at its high watermark, so
  // they hold 32, 48 and 64 KiB, and the third passes the budget of 120 KiB.
  const stuck = [16, 32, 48].map((highKiB, i) => {
    const peer = new MemoryPeer();
    peer.writeLimit = 0;
    const buffers = {
      initialReadBytes: 16384,
      maxReadBytes: 16384,
      highWatermark: highKiB * 1024,
      lowWatermark: 0,
    };
    reactor.add(`stuck-${i}`, { handler, buffers }, peer.stream);
    return peer;
  });
  const healthy = new MemoryPeer();
  reactor.add("healthy", { handler }, healthy.stream);
  for (const peer of stuck) {
    peer.send(new Uint8Array(200_000));
    for (let i = 0; i < 10; i++) await settle();
  }
  healthy.send("still served");
  await settle();
  assert.deepEqual(shed, [2], "not the one furthest behind");
  assert.ok(events.includes("close 2 slow-consumer"));
  assert.ok(reactor.queuedBytes <= 120 * 1024, `${reactor.queuedBytes} bytes queued`);
  assert.ok(healthy.text.endsWith("still served"));
  await reactor.abort();
});

Deno.test("reactor: an admission policy refuses before a byte is read, and hears every admitted close", async () => {
  const released: number[] = [];
  const refusals: string[] = [];
  const reactor = new Reactor({
    heartbeatIntervalMs: 3_600_000,
    admission: {
      admit: (_listener, peer) => (peer as Deno.NetAddr).port === 666 ? "denied" : null,
      release: (_listener, peer) => void released.push((peer as Deno.NetAddr).port),
    },
    observer: { refused: (_listener, _peer, reason) => void refusals.push(reason) },
  });
  const { events, handler } = recorder();
  const evil = new MemoryPeer(666);
  const good = new MemoryPeer(1234);
  assert.equal(reactor.add("test", { handler }, evil.stream), false);
  assert.equal(reactor.add("test", { handler }, good.stream), true);
  await settle();
  assert.ok(evil.closed);
  assert.deepEqual(evil.writes, []);
  assert.deepEqual(refusals, ["denied"]);
  good.end();
  await settle();
  assert.deepEqual(events, ["open 1", "close 1 eof"]);
  assert.deepEqual(released, [1234]);
  assert.equal(reactor.stats()[0]!.refused, 1);
});

Deno.test("reactor: a protocol with onEnd keeps writing after the peer's FIN and ends with reason eof", async () => {
  const { reactor } = setup();
  const closes: CloseReason[] = [];
  let later: Conn<null> | null = null;
  const patient: Handler<null> = {
    onOpen: () => null,
    onData: () => {},
    onEnd: (conn) => void (later = conn),
    onClose: (_conn, reason) => void closes.push(reason),
  };
  const peer = new MemoryPeer();
  reactor.add("test", { handler: patient }, peer.stream);
  peer.send("question");
  peer.end();
  await settle();
  assert.ok(later !== null, "onEnd was not called");
  assert.deepEqual(closes, []);
  const conn = later as Conn<null>;
  conn.write(encode("the answer, later\n"));
  conn.end();
  await settle();
  assert.equal(peer.text, "the answer, later\n");
  assert.deepEqual(closes, ["eof"]);
  assert.ok(peer.closed);
});
