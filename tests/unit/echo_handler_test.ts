import assert from "node:assert/strict";
import type { Conn } from "../../reactor/mod.ts";
import { createEchoHandler, type EchoState } from "../../server/echo_handler.ts";

/** Feeds chunks to the echo handler through a stand-in connection that records writes. */
function echo(chunks: string[], prefix: string | null): string {
  const handler = createEchoHandler({ prefix });
  const written: Uint8Array[] = [];
  const conn = {
    congested: false,
    write: (bytes: Uint8Array) => written.push(bytes) > 0,
  } as unknown as Conn<EchoState>;
  conn.state = handler.onOpen(conn);
  const encoder = new TextEncoder();
  for (const chunk of chunks) {
    const buffer = encoder.encode(chunk);
    handler.onData(conn, buffer);
  }
  return written.map((bytes) => new TextDecoder().decode(bytes)).join("");
}

Deno.test("echo handler: without a prefix the bytes come back unchanged", () => {
  assert.equal(echo(["abc", "\n\0\xff", "def"], null), "abc\n\0\xff" + "def");
});

Deno.test("echo handler: the prefix starts every line, whatever the read boundaries", () => {
  const text = "one\ntwo\n\nthree";
  const want = "> one\n> two\n> \n> three";
  for (let split = 0; split <= text.length; split++) {
    assert.equal(echo([text.slice(0, split), text.slice(split)].filter(Boolean), "> "), want);
  }
  assert.equal(echo(["a\n", "b\n"], "> "), "> a\n> b\n");
});

Deno.test("echo handler: with a prefix, it stops when the connection is congested and says how much it used", () => {
  const handler = createEchoHandler({ prefix: "x".repeat(100) });
  let queued = 0;
  const conn = {
    get congested() {
      return queued > 65536;
    },
    write: (bytes: Uint8Array) => {
      queued += bytes.length;
      return true;
    },
  } as unknown as Conn<EchoState>;
  conn.state = handler.onOpen(conn);
  const empties = new Uint8Array(65536).fill(0x0a);
  const used = handler.onData(conn, empties) as number;
  assert.ok(used > 0 && used < empties.length, `used ${used} of ${empties.length}`);
  assert.ok(queued <= 65536 + 16384, `queued ${queued} bytes in one go`);
});
