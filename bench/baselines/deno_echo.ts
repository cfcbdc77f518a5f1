/**
 * Baseline: the plain Deno echo loop with a 16 KiB buffer per connection.
 *
 * Usage: deno run --allow-net bench/baselines/deno_echo.ts PORT
 * Listens on 127.0.0.1:PORT.
 *
 * @module
 */

async function serve(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(16 * 1024);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      await conn.write(buf.subarray(0, n));
    }
  } catch {
    // reset by the peer
  }
  try {
    conn.close();
  } catch {
    // already closed
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? "7000");
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  for await (const conn of listener) {
    conn.setNoDelay(true);
    serve(conn);
  }
}
