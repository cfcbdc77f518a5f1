/**
 * UDP echo of the real program: `nc -u` round trips, and the guards
 * (service source ports, per-source rate limit, size limit) seen from
 * real sockets and confirmed by the server's own counters.
 */
import assert from "node:assert/strict";
import { deadline } from "../helpers/deadline.ts";
import { fetchText } from "../helpers/http.ts";
import { parseExposition, valueOf } from "../helpers/prometheus.ts";
import { type ServerProcess, startServer } from "../helpers/server_process.ts";
import { drain, receive, roundTrip, serverAddr, udpSocket } from "../helpers/udp.ts";

const encoder = new TextEncoder();

/** The server's count of datagrams dropped for `reason`. */
async function dropped(server: ServerProcess, reason: string): Promise<number> {
  const { body } = await fetchText(server.httpPort!, "/metrics");
  return valueOf(parseExposition(body), "echochat_udp_datagrams_dropped_total", { reason });
}

Deno.test("udp: nc -u gets each datagram back unchanged, on the echo port", async () => {
  await using server = await startServer(["--chat-port", "off"]);
  assert.equal(server.udpPort, server.echoPort);
  const nc = new Deno.Command("nc", {
    args: ["-u", "127.0.0.1", String(server.udpPort)],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = nc.stdin.getWriter();
  const reader = nc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  const readUntil = (text: string) =>
    deadline(
      (async () => {
        while (!output.includes(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`nc ended before ${JSON.stringify(text)}; got ${output}`);
          output += value;
        }
      })(),
      10_000,
      `nc printing ${JSON.stringify(text)}`,
    );
  try {
    await writer.write(encoder.encode("hello over udp\n"));
    await readUntil("hello over udp\n");
    await writer.write(encoder.encode("ünïcode ✓\n"));
    await readUntil("ünïcode ✓\n");
    assert.equal(output, "hello over udp\nünïcode ✓\n");
  } finally {
    nc.kill("SIGTERM");
    await writer.close().catch(() => {});
    await reader.cancel();
    await nc.status;
  }
});

Deno.test("udp: no answer to service source ports (7 echo, 1900 SSDP, 11211 memcached, its own port)", async (t) => {
  await using server = await startServer(["--chat-port", "off", "--http-port", "0"]);
  const port = server.udpPort!;
  const client = udpSocket();
  const sources: [string, number][] = [
    ["127.0.0.1", 1900],
    ["127.0.0.1", 11211],
    // Another echo on the same port (here on 127.0.0.2) would bounce a forged datagram for ever.
    ["127.0.0.2", port],
  ];
  // Ports below 1024 need root to bind; CI runs as root.
  if (Deno.uid() === 0) sources.unshift(["127.0.0.1", 7]);
  else await t.step({ name: "source port 7 (needs root to bind)", ignore: true, fn: () => {} });
  for (const [hostname, sourcePort] of sources) {
    await t.step(`from ${hostname}:${sourcePort}`, async () => {
      const guarded = udpSocket(hostname, sourcePort);
      try {
        await guarded.send(encoder.encode("loop?"), serverAddr(port));
        // The server answers in order: once this reply is back, the one before was handled.
        assert.deepEqual(await roundTrip(client, port, encoder.encode("ok")), encoder.encode("ok"));
        assert.deepEqual(await drain(guarded), []);
      } finally {
        guarded.close();
      }
    });
  }
  assert.equal(await dropped(server, "service-port"), sources.length);
  client.close();
});

Deno.test("udp: a flood from one source is limited while another source is still served", async () => {
  await using server = await startServer([
    "--chat-port",
    "off",
    "--http-port",
    "0",
    "--udp-rate",
    "1",
    "--udp-burst",
    "5",
  ]);
  const port = server.udpPort!;
  const flooder = udpSocket("127.0.0.1");
  const other = udpSocket("127.0.0.2");
  const sent = 40;
  for (let i = 0; i < sent; i++) await flooder.send(encoder.encode(`flood ${i}`), serverAddr(port));
  assert.deepEqual(
    await roundTrip(other, port, encoder.encode("me too")),
    encoder.encode("me too"),
  );
  const answered = await drain(flooder);
  // The burst, plus at most one a second since: far fewer than were sent.
  assert.ok(answered.length >= 5 && answered.length < sent / 2, `${answered.length} answered`);
  assert.deepEqual(
    answered.slice(0, 5).map((bytes) => new TextDecoder().decode(bytes)),
    ["flood 0", "flood 1", "flood 2", "flood 3", "flood 4"],
  );
  assert.equal(await dropped(server, "rate-limit"), sent - answered.length);
  flooder.close();
  other.close();
});

Deno.test("udp: a datagram over 1472 bytes is dropped whole, one of 1472 comes back", async () => {
  await using server = await startServer(["--chat-port", "off", "--http-port", "0"]);
  const port = server.udpPort!;
  const client = udpSocket();
  const big = crypto.getRandomValues(new Uint8Array(1473));
  const fits = crypto.getRandomValues(new Uint8Array(1472));
  await client.send(big, serverAddr(port));
  await client.send(fits, serverAddr(port));
  assert.deepEqual(await receive(client), fits);
  assert.deepEqual(await drain(client), []);
  assert.equal(await dropped(server, "oversize"), 1);
  // An empty datagram is a datagram too (RFC 862 echoes whatever arrives).
  assert.deepEqual(await roundTrip(client, port, new Uint8Array(0)), new Uint8Array(0));
  client.close();
});

Deno.test("udp: --udp off, or the echo port off, serves no UDP", async () => {
  for (const args of [["--udp", "off"], ["--echo-port", "off"]]) {
    await using server = await startServer(args, { ECHOCHAT_UDP: "on" });
    assert.equal(server.udpPort, null);
    const started = server.logs.find((r) => String(r.message).includes("listening"))!;
    assert.equal(started.udpAddress, null);
    assert.doesNotMatch(String(started.listening), /udp/);
  }
});
