/**
 * The HTTP side port of the real program: /metrics read with a real
 * exposition-format parser after real clients connected, /healthz through
 * a graceful stop, and what other requests get.
 */
import assert from "node:assert/strict";
import { VERSION } from "../../server/version.ts";
import { ChatClient } from "../helpers/chat_client.ts";
import { deadline } from "../helpers/deadline.ts";
import { fetchText } from "../helpers/http.ts";
import { type Family, parseExposition, valueOf } from "../helpers/prometheus.ts";
import { startServer } from "../helpers/server_process.ts";
import { connect, readAll, readExactly, writeAll } from "../helpers/socket.ts";
import { roundTrip, udpSocket } from "../helpers/udp.ts";

const encoder = new TextEncoder();

/** Scrapes /metrics and parses it. */
async function scrape(port: number): Promise<Map<string, Family>> {
  const { status, headers, body } = await fetchText(port, "/metrics");
  assert.equal(status, 200);
  assert.match(headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseExposition(body);
}

/** Scrapes until `ready` holds (the server handles a close a moment after the client sends it). */
async function scrapeUntil(
  port: number,
  ready: (families: Map<string, Family>) => boolean,
): Promise<Map<string, Family>> {
  return await deadline(
    (async () => {
      while (true) {
        const families = await scrape(port);
        if (ready(families)) return families;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })(),
    10_000,
    "the expected metrics",
  );
}

Deno.test("http: /metrics is valid exposition text whose values match the connected clients", async () => {
  await using server = await startServer(["--http-port", "0", "--max-connections", "5"]);
  const http = server.httpPort!;

  const echoes = await Promise.all([connect(server.echoPort!), connect(server.echoPort!)]);
  for (const conn of echoes) {
    await writeAll(conn, encoder.encode("ping\n"));
    assert.equal(new TextDecoder().decode(await readExactly(conn, 5)), "ping\n");
  }
  const [alice, bob, carol] = await Promise.all([
    ChatClient.connect(server.chatPort!),
    ChatClient.connect(server.chatPort!),
    ChatClient.connect(server.chatPort!),
  ]) as [ChatClient, ChatClient, ChatClient];
  await carol.send("/join ops");
  await carol.waitFor(/^\* You joined #ops/);
  await alice.send("hello");
  await bob.waitFor(/\] <.*> hello$/);
  // The sixth connection is over --max-connections: refused and counted.
  const refused = await connect(server.echoPort!);
  await readAll(refused);
  refused.close();
  const udp = udpSocket();
  assert.deepEqual(
    await roundTrip(udp, server.udpPort!, encoder.encode("dgram")),
    encoder.encode("dgram"),
  );
  udp.close();

  const metrics = await scrape(http);
  const open = (listener: string) => valueOf(metrics, "echochat_connections_open", { listener });
  assert.equal(open("echo"), 2);
  assert.equal(open("chat"), 3);
  assert.equal(valueOf(metrics, "echochat_connections_accepted_total", { listener: "echo" }), 2);
  assert.equal(valueOf(metrics, "echochat_connections_accepted_total", { listener: "chat" }), 3);
  assert.equal(
    valueOf(metrics, "echochat_connections_refused_total", { listener: "echo", reason: "limit" }),
    1,
  );
  assert.equal(valueOf(metrics, "echochat_received_bytes_total", { listener: "echo" }), 10);
  assert.equal(valueOf(metrics, "echochat_sent_bytes_total", { listener: "echo" }), 10);
  assert.ok(valueOf(metrics, "echochat_sent_bytes_total", { listener: "chat" }) > 0);
  assert.equal(valueOf(metrics, "echochat_chat_users"), 3);
  assert.equal(valueOf(metrics, "echochat_chat_rooms"), 2);
  assert.equal(valueOf(metrics, "echochat_chat_lines_relayed_total"), 1);
  assert.equal(valueOf(metrics, "echochat_udp_datagrams_received_total"), 1);
  assert.equal(valueOf(metrics, "echochat_udp_datagrams_sent_total"), 1);
  assert.equal(valueOf(metrics, "echochat_udp_received_bytes_total"), 5);
  assert.equal(valueOf(metrics, "echochat_udp_sent_bytes_total"), 5);
  assert.equal(
    valueOf(metrics, "echochat_udp_datagrams_dropped_total", { reason: "rate-limit" }),
    0,
  );
  assert.equal(valueOf(metrics, "echochat_build_info", { version: VERSION }), 1);
  assert.ok(valueOf(metrics, "process_resident_memory_bytes") > 1024 * 1024);
  assert.ok(valueOf(metrics, "echochat_heap_used_bytes") > 0);
  for (const name of ["echochat_dispatcher_backlog", "echochat_output_queued_bytes"]) {
    assert.ok(valueOf(metrics, name) >= 0, name);
  }
  assert.ok(valueOf(metrics, "echochat_event_loop_lag_seconds") >= 0);

  // Names follow the conventions: counters end in _total, nothing else does.
  for (const family of metrics.values()) {
    assert.match(family.name, /^(echochat|process)_[a-z_]+$/);
    assert.ok(["COUNTER", "GAUGE"].includes(family.type), `${family.name}: ${family.type}`);
    assert.equal(family.name.endsWith("_total"), family.type === "COUNTER", family.name);
  }
  // Every close reason has a series from the start, so rate() works on it.
  const closed = metrics.get("echochat_connections_closed_total")!;
  const echoReasons = closed.samples.filter((s) => s.labels.listener === "echo");
  assert.deepEqual(
    echoReasons.map((s) => s.labels.reason).sort(),
    ["eof", "error", "idle", "reset", "server", "shutdown", "slow-consumer"],
  );

  // A client that leaves is a close with reason eof, and no longer open.
  echoes[0]!.close();
  const after = await scrapeUntil(
    http,
    (m) => valueOf(m, "echochat_connections_open", { listener: "echo" }) === 1,
  );
  assert.equal(
    valueOf(after, "echochat_connections_closed_total", { listener: "echo", reason: "eof" }),
    1,
  );

  echoes[1]!.close();
  await Promise.all([alice.close(), bob.close(), carol.close()]);
});

Deno.test("http: /healthz is 200 while serving and 503 from the start of a graceful stop", async () => {
  await using server = await startServer([
    "--http-port",
    "0",
    "--chat-port",
    "off",
    "--shutdown-grace",
    "60",
  ]);
  const http = server.httpPort!;
  const serving = await fetchText(http, "/healthz");
  assert.equal(serving.status, 200);
  assert.equal(serving.body, "ok\n");
  // A peer that never sends its FIN keeps the graceful stop going.
  const stubborn = await connect(server.echoPort!);
  await writeAll(stubborn, encoder.encode("x"));
  await readExactly(stubborn, 1);
  const received = readAll(stubborn);
  server.kill("SIGTERM");
  await server.waitForLog((r) => String(r.message).startsWith("SIGTERM: stopping"));
  const stopping = await fetchText(http, "/healthz");
  assert.equal(stopping.status, 503);
  assert.equal(stopping.body, "stopping\n");
  const document = JSON.parse((await fetchText(http, "/stats.json")).body);
  assert.equal(document.stopping, true);
  await received;
  stubborn.close();
  assert.equal((await server.status).code, 0);
  // Once the process has stopped, the side port is closed too.
  await assert.rejects(fetch(`http://127.0.0.1:${http}/healthz`));
});

Deno.test("http: other paths and methods get a one-line answer, and the server goes on", async () => {
  await using server = await startServer(["--http-port", "0"]);
  const http = server.httpPort!;
  const missing = await fetchText(http, "/nope");
  assert.equal(missing.status, 404);
  assert.equal(missing.body, "Not found: try / (status page), /metrics, /healthz or /stats.json\n");
  const post = await fetchText(http, "/metrics", "POST");
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  assert.equal(post.body.trimEnd().split("\n").length, 1);
  // A request that is not HTTP at all does not disturb it either.
  const raw = await connect(http);
  await writeAll(raw, encoder.encode("\x16\x03\x01 not http\r\n\r\n"));
  await readAll(raw);
  raw.close();
  const page = await fetchText(http, "/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.equal((await fetchText(http, "/healthz")).status, 200);
});
