import net from "node:net";
import type { ListenerEvents, Transport, TransportEvents, TransportListener } from "./transport.ts";

/**
 * A transport over Deno's `node:net`. In Deno 2.9 a `node:net` server runs
 * on a native, readiness-based TCP handle (libuv style): a socket is read
 * only when the kernel says it is readable, into a buffer allocated then.
 * That makes it fair with thousands of busy connections and keeps an idle
 * connection at about 3 KiB, where a pending `Deno.Conn.read` and its buffer
 * cost twice that or more (see `bench/README.md`).
 */
class NodeTransport implements Transport {
  readonly remoteAddr: Deno.NetAddr;
  readonly #socket: net.Socket;
  #events: TransportEvents | null = null;
  #closed = false;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.remoteAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "unknown",
      port: socket.remotePort ?? 0,
    };
  }

  attach(events: TransportEvents): void {
    this.#events = events;
    const socket = this.#socket;
    socket.on("data", (bytes: Uint8Array) => {
      if (!this.#closed) events.onData(bytes);
    });
    socket.on("end", () => {
      if (!this.#closed) events.onEnd();
    });
    socket.on("error", (error: unknown) => {
      if (!this.#closed) events.onError(error);
    });
  }

  resumeReading(): void {
    if (!this.#closed) this.#socket.resume();
  }

  pauseReading(): void {
    if (!this.#closed) this.#socket.pause();
  }

  write(bytes: Uint8Array, done: (error?: unknown) => void): void {
    this.#socket.write(bytes, (error) => done(error ?? undefined));
  }

  shutdownWrite(done: (error?: unknown) => void): void {
    this.#socket.end(() => done());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
  }
}

/** A `node:net` server bound to one address. */
class NodeListener implements TransportListener {
  readonly addr: Deno.NetAddr;
  readonly #server: net.Server;

  constructor(server: net.Server, addr: Deno.NetAddr) {
    this.#server = server;
    this.addr = addr;
  }

  close(): void {
    if (this.#server.listening) this.#server.close();
  }
}

/**
 * Binds `hostname:port` with `node:net`. Rejects with the bind error
 * (`code` `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`).
 */
export function listenNode(
  hostname: string,
  port: number,
  events: ListenerEvents,
): Promise<TransportListener> {
  const server = net.createServer({
    allowHalfOpen: true, // a peer's FIN must not close our side before we flush
    pauseOnConnect: true, // the reactor starts reading once the connection is set up
    noDelay: true,
    keepAlive: true,
  });
  server.on("connection", (socket: net.Socket) => events.onAccept(new NodeTransport(socket)));
  return new Promise((resolve, reject) => {
    const onBindError = (error: unknown) => {
      server.close();
      reject(error);
    };
    server.once("error", onBindError);
    server.listen({ host: hostname, port }, () => {
      server.off("error", onBindError);
      server.on("error", (error: unknown) => events.onAcceptError(error));
      const address = server.address() as net.AddressInfo;
      resolve(
        new NodeListener(server, {
          transport: "tcp",
          hostname: address.address,
          port: address.port,
        }),
      );
    });
  });
}
