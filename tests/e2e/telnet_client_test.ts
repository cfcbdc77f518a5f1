/**
 * What the real Debian `telnet` client does, observed from a bare server:
 * the facts the chat's negotiation is built on. If the client changes,
 * these fail first and say which assumption broke.
 */
import assert from "node:assert/strict";
import { readExactly, writeAll } from "../helpers/socket.ts";
import { Terminal } from "../helpers/terminal.ts";

const IAC = 255, DO = 253, WILL = 251, IP = 244, BINARY = 0, TM = 6;

/** A one-connection server on a free port, and `telnet` connected to it in a terminal. */
async function telnetSession(): Promise<{ conn: Deno.TcpConn; telnet: Terminal; stop(): void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const telnet = new Terminal(`telnet 127.0.0.1 ${listener.addr.port}`);
  const conn = await listener.accept();
  listener.close();
  await telnet.waitFor("Escape character is '^]'.");
  return { conn, telnet, stop: () => conn.close() };
}

/** Reads until a LF arrives; returns every byte read. */
async function readLine(conn: Deno.TcpConn): Promise<number[]> {
  const got: number[] = [];
  while (got[got.length - 1] !== 10) {
    const byte = await readExactly(conn, 1);
    if (byte.length === 0) throw new Error(`EOF after ${got}`);
    got.push(byte[0]!);
  }
  return got;
}

async function quit(telnet: Terminal): Promise<void> {
  await telnet.type("\x1d");
  await telnet.waitFor("telnet>");
  await telnet.type("quit\r");
  await telnet.waitFor("Connection closed.");
  await telnet.close();
}

Deno.test("telnet client: on a non-23 port it negotiates nothing itself and strips bit 8", async () => {
  const { conn, telnet, stop } = await telnetSession();
  try {
    // "у" is D1 83; 0x83 & 0x7F is Ctrl-C, so telnet sends IAC IP instead.
    await telnet.type("у\r");
    const got = await readLine(conn);
    // The first byte is the typed text's: the client negotiated nothing before it.
    assert.deepEqual(got.slice(0, 3), [0xd1, IAC, IP], `got ${got}`);
    await quit(telnet);
  } finally {
    stop();
  }
});

Deno.test("telnet client: it answers DO BINARY with WILL BINARY, then sends UTF-8 as is", async () => {
  const { conn, telnet, stop } = await telnetSession();
  try {
    await writeAll(conn, Uint8Array.of(IAC, DO, BINARY));
    assert.deepEqual([...await readExactly(conn, 3)], [IAC, WILL, BINARY]);
    await telnet.type("у меня всё\r");
    // In BINARY mode Enter goes out as a bare LF.
    assert.deepEqual(await readLine(conn), [...new TextEncoder().encode("у меня всё\n")]);
    // ... while the terminal's echo of Enter still returns to column 0.
    await telnet.waitFor("у меня всё\r\n");
    await quit(telnet);
  } finally {
    stop();
  }
});

Deno.test("telnet client: agreeing to WILL BINARY turns the terminal's CR off after Enter", async () => {
  const { conn, telnet, stop } = await telnetSession();
  try {
    await writeAll(conn, Uint8Array.of(IAC, WILL, BINARY, IAC, DO, BINARY));
    assert.deepEqual([...await readExactly(conn, 6)], [IAC, DO, BINARY, IAC, WILL, BINARY]);
    await telnet.type("staircase\r");
    await readLine(conn);
    // The echo of Enter is a bare LF: the next line starts mid-screen. This
    // is why the chat asks only for BINARY input.
    await telnet.waitFor("staircase\n");
    await quit(telnet);
  } finally {
    stop();
  }
});

Deno.test("telnet client: it answers DO TIMING-MARK with WILL TIMING-MARK by itself", async () => {
  const { conn, telnet, stop } = await telnetSession();
  try {
    await writeAll(conn, Uint8Array.of(IAC, DO, TM));
    assert.deepEqual([...await readExactly(conn, 3)], [IAC, WILL, TM]);
    // Also in BINARY mode, and again for a second probe.
    await writeAll(conn, Uint8Array.of(IAC, DO, BINARY, IAC, DO, TM, IAC, DO, TM));
    assert.deepEqual(
      [...await readExactly(conn, 9)],
      [IAC, WILL, BINARY, IAC, WILL, TM, IAC, WILL, TM],
    );
    await quit(telnet);
  } finally {
    stop();
  }
});
