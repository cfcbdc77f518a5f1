/**
 * The status page in a real browser: Debian's headless Chromium loads it
 * from the running program, its script fetches /stats.json and renders,
 * and the rendered DOM shows the clients this test connected.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../helpers/chat_client.ts";
import { dumpDom } from "../helpers/chromium.ts";
import { deadline } from "../helpers/deadline.ts";
import { startServer } from "../helpers/server_process.ts";
import { connect, readExactly, writeAll } from "../helpers/socket.ts";

/** The text inside the element with `id` (no nested elements), from serialized HTML. */
function textOf(html: string, id: string): string {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  if (match === null) throw new Error(`No element #${id} in the page`);
  return match[1]!;
}

Deno.test("status page: headless Chromium renders the connected echo and chat clients", async () => {
  await using server = await startServer(["--http-port", "0"]);
  const echoes = await Promise.all([connect(server.echoPort!), connect(server.echoPort!)]);
  for (const conn of echoes) {
    await writeAll(conn, new TextEncoder().encode("hi\n"));
    await readExactly(conn, 3);
  }
  const chatters = await Promise.all(
    [0, 1, 2].map(() => ChatClient.connect(server.chatPort!)),
  );
  await chatters[0]!.send("/join ops-room");
  await chatters[0]!.waitFor(/^\* You joined #ops-room/);
  await chatters[1]!.send("hello from the lobby");
  await chatters[2]!.waitFor(/hello from the lobby$/);

  // Chromium loads the page, and the page loads its figures; poll until it has rendered them.
  const url = `http://127.0.0.1:${server.httpPort}/`;
  const html = await deadline(
    (async () => {
      while (true) {
        const dom = await dumpDom(url);
        if (dom.includes('data-loaded="true"')) return dom;
      }
    })(),
    120_000,
    "the status page rendering its figures",
  );

  assert.equal(textOf(html, "state"), "serving");
  assert.equal(textOf(html, "chat-users"), "3");
  assert.equal(textOf(html, "chat-rooms"), "2");
  assert.equal(textOf(html, "chat-lines"), "1");
  assert.equal(textOf(html, "connections"), "5");
  assert.equal(textOf(html, "connections-by-listener"), "echo 2 · chat 3");
  assert.match(html, /<tr data-room="ops-room"><td>#ops-room<\/td><td class="n">1<\/td><\/tr>/);
  assert.match(html, /<tr data-room="lobby"><td>#lobby<\/td><td class="n">2<\/td><\/tr>/);
  assert.match(
    html,
    /<tr data-listener="echo"><td>echo<\/td><td>127\.0\.0\.1:\d+<\/td><td class="n">2<\/td>/,
  );
  assert.match(html, /<tr data-reason="eof"><td>eof<\/td>/);
  assert.match(html, /<polyline class="in" points="[^"]*"/);

  for (const conn of echoes) conn.close();
  await Promise.all(chatters.map((c) => c.close()));
});
