import net from "node:net";
import type { ListenerEvents, Transport, TransportEvents, TransportListener } from "./transport.ts";

/** Where a socket keeps its transport, so that listeners can be shared. */
const TRANSPORT = Symbol("echochat.transport");

type OwnedSocket = net.Socket & { [TRANSPORT]: NodeTransport };

// One set of listener functions for every socket: nothing is allocated per
// connection for them, which matters with 10,000 idle connections.
function onSocketData(this: OwnedSocket, bytes: Uint8Array): void {
  const transport = this[TRANSPORT];
  if (!transport.closed) transport.events?.onData(bytes);
}
function onSocketEnd(this: OwnedSocket): void {
  const transport = this[TRANSPORT];
  if (!transport.closed) transport.events?.onEnd();
}
function onSocketError(this: OwnedSocket, error: unknown): void {
  const transport = this[TRANSPORT];
  if (!transport.closed) transport.events?.onError(error);
}

/**
 * A transport over Deno's `node:net`. In Deno 2.9 a `node:net` server runs
 * on a native, readiness-based TCP handle (libuv style): a socket is read
 * only when the kernel says it is readable, into a buffer allocated then.
 * That makes it fair with thousands of busy connections and keeps an idle
 * connection small, where a pending `Deno.Conn.read` and its buffer cost
 * several KiB (see `bench/README.md`).
 */
class NodeTransport implements Transport {
  /** The connection's event sink, once attached. */
  events: TransportEvents | null = null;
  /** Set once closed: no events are delivered after. */
  closed = false;
  readonly #socket: OwnedSocket;
  #remoteAddr: Deno.NetAddr | null = null;

  constructor(socket: net.Socket) {
    this.#socket = socket as OwnedSocket;
    this.#socket[TRANSPORT] = this;
  }

  get remoteAddr(): Deno.NetAddr {
    return this.#remoteAddr ??= {
      transport: "tcp",
      hostname: this.#socket.remoteAddress ?? "unknown",
      port: this.#socket.remotePort ?? 0,
    };
  }

  attach(events: TransportEvents): void {
    this.events = events;
    this.remoteAddr; // read it while the socket is surely connected
    this.#socket.on("data", onSocketData).on("end", onSocketEnd).on("error", onSocketError);
  }

  resumeReading(): void {
    if (!this.closed) this.#socket.resume();
  }

  pauseReading(): void {
    if (!this.closed) this.#socket.pause();
  }

  write(bytes: Uint8Array): void {
    this.#socket.write(bytes, this.#afterWrite ??= this.#makeAfterWrite());
  }

  /** One write callback per transport, made at its first write. */
  #afterWrite: ((error?: Error | null) => void) | null = null;

  #makeAfterWrite(): (error?: Error | null) => void {
    return (error) => {
      if (!this.closed) this.events?.onWritten(error ?? undefined);
    };
  }

  shutdownWrite(done: (error?: unknown) => void): void {
    this.#socket.end(() => done());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
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
