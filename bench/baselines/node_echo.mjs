// Baseline: a Node `net` echo server (socket.pipe(socket)).
//
// Usage: node bench/baselines/node_echo.mjs PORT
// Listens on 127.0.0.1:PORT.
import net from "node:net";

const port = Number(process.argv[2] ?? "7000");
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on("error", () => socket.destroy());
  socket.pipe(socket);
});
server.listen({ host: "127.0.0.1", port, backlog: 4096 });
