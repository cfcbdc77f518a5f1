/**
 * Makes `docs/status-page.png`, the README's picture of the status page:
 * starts the program with its HTTP port, drives echo, chat and UDP
 * traffic that rises and falls (with a few clients leaving on the way),
 * and has headless Chromium take the screenshot while the traffic goes on.
 *
 *     deno run -A --unstable-net docs/status_screenshot.ts [seconds]
 */
import { ChatClient } from "../tests/helpers/chat_client.ts";
import { screenshot } from "../tests/helpers/chromium.ts";
import { startServer } from "../tests/helpers/server_process.ts";
import { connect, readExactly, writeAll } from "../tests/helpers/socket.ts";
import { roundTrip, udpSocket } from "../tests/helpers/udp.ts";

const seconds = Number(Deno.args[0] ?? 150);
const OUT = new URL("./status-page.png", import.meta.url).pathname;

await using server = await startServer(["--http-port", "0", "--rate-limit", "1000"]);
const echoes = await Promise.all(Array.from({ length: 8 }, () => connect(server.echoPort!)));
const chatters = await Promise.all(
  Array.from({ length: 12 }, () => ChatClient.connect(server.chatPort!)),
);
const rooms = ["ops", "ops", "ops", "ops", "dev", "dev", "dev", "random", "deno"];
for (const [i, room] of rooms.entries()) await chatters[i]!.send(`/join ${room}`);
const udp = udpSocket();

let running = true;
const traffic = (async () => {
  let tick = 0;
  while (running) {
    tick++;
    // A slow wave of echo traffic, with chat and UDP on top.
    const phase = Math.sin(tick / 60) * 0.5 + 0.5;
    const size = Math.round(4096 + phase * phase * 120_000);
    const active = echoes.slice(0, 2 + (tick % 5));
    await Promise.all(active.map(async (conn) => {
      await writeAll(conn, new Uint8Array(size));
      await readExactly(conn, size);
    }));
    if (tick % 2 === 0) await chatters[tick % chatters.length]!.send(`message ${tick}`);
    if (tick % 10 === 0) await roundTrip(udp, server.udpPort!, new TextEncoder().encode("ping"));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
})();

await new Promise((resolve) => setTimeout(resolve, seconds * 500));
// A few leave: two chat users quit, one closes, two echo clients hang up.
const [quitter, quiet, closer] = chatters.splice(9, 3) as [ChatClient, ChatClient, ChatClient];
await quitter.send("/quit bye");
await quiet.send("/quit");
await closer.close();
const leaving = echoes.splice(6, 2);
for (const conn of leaving) conn.close();
await new Promise((resolve) => setTimeout(resolve, seconds * 500));

await screenshot(`http://127.0.0.1:${server.httpPort}/`, OUT, 1100, 1000);
running = false;
await traffic;
console.log(`wrote ${OUT}`);
for (const conn of echoes) conn.close();
await Promise.all(chatters.map((c) => c.close()));
udp.close();
