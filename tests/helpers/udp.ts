/**
 * UDP helpers for tests: sockets on loopback addresses, and a way to prove
 * that no reply came without waiting for a timeout.
 */
import { deadline } from "./deadline.ts";

/** Longest a test waits for a datagram that must come. */
export const DATAGRAM_WAIT_MS = 10_000;

/** A UDP socket bound to `hostname:port` (port 0: any free port). */
export function udpSocket(hostname = "127.0.0.1", port = 0): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname, port });
}

/** Where the server's UDP echo listens. */
export function serverAddr(port: number): Deno.NetAddr {
  return { transport: "udp", hostname: "127.0.0.1", port };
}

/** Receives one datagram, failing the test if none comes within {@link DATAGRAM_WAIT_MS}. */
export async function receive(socket: Deno.DatagramConn): Promise<Uint8Array> {
  const [bytes] = await deadline(socket.receive(), DATAGRAM_WAIT_MS, "a UDP datagram");
  return bytes.slice();
}

/** Sends `bytes` to the server and returns its echo. */
export async function roundTrip(
  socket: Deno.DatagramConn,
  port: number,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  await socket.send(bytes, serverAddr(port));
  return await receive(socket);
}

/**
 * Every datagram `socket` has received so far, without waiting for more:
 * the socket sends a marker to itself and reads until the marker. A
 * datagram queued before the marker was sent is read before it, so when a
 * caller has already seen a later reply from the server (which answers in
 * order), an answer the server did send cannot be missed.
 */
export async function drain(socket: Deno.DatagramConn): Promise<Uint8Array[]> {
  const marker = crypto.getRandomValues(new Uint8Array(16));
  await socket.send(marker, socket.addr);
  const received: Uint8Array[] = [];
  while (true) {
    const bytes = await receive(socket);
    if (bytes.length === marker.length && bytes.every((b, i) => b === marker[i])) {
      return received;
    }
    received.push(bytes);
  }
}
