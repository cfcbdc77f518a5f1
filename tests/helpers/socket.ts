/** Small socket helpers for tests: full writes and reads until EOF. */

/** Connects to 127.0.0.1:`port`. */
export function connect(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

/** Writes all of `bytes` (a single `write` may be partial). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Reads until EOF and returns everything; a reset ends the read too. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(65536);
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) break;
      throw error;
    }
    if (n === null) break;
    parts.push(buffer.slice(0, n));
    total += n;
  }
  return concat(parts, total);
}

/** Reads until `count` bytes arrived (or EOF) and returns them. */
export async function readExactly(conn: Deno.Conn, count: number): Promise<Uint8Array> {
  const out = new Uint8Array(count);
  let offset = 0;
  while (offset < count) {
    const n = await conn.read(out.subarray(offset));
    if (n === null) return out.subarray(0, offset);
    offset += n;
  }
  return out;
}

/** Joins byte arrays. */
export function concat(parts: Uint8Array[], total = parts.reduce((s, p) => s + p.length, 0)) {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Random bytes of any length (crypto.getRandomValues is limited to 64 KiB a call). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  }
  return out;
}

/** Whether two byte arrays are equal (fast, without building strings). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
