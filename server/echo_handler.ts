import type { Conn, Handler } from "../reactor/mod.ts";

/** Settings of the echo protocol. */
export interface EchoOptions {
  /**
   * Text written before each echoed line (the classic `server echo: `
   * behaviour). `null` echoes byte-exact, binary-safe (RFC 862).
   * @default null
   */
  prefix?: string | null;
}

/**
 * Echo writes back the very buffer it read (no copy), and the reactor reads
 * no more until that write is done, like a plain read/write loop: a peer
 * that sends and never reads holds one read buffer, at most 64 KiB (the
 * default largest read). Reads grow to 64 KiB for bulk streams (four times fewer ops than 16 KiB) and
 * shrink again when traffic gets small; an idle connection holds 256
 * bytes. With a prefix the output is new bytes, and reading stops past 32
 * KiB queued until the peer has read.
 */
export const ECHO_BUFFERS = {
  highWatermark: 32 * 1024,
  lowWatermark: 8 * 1024,
  maxQueuedBytes: 256 * 1024,
};

/** Per-connection state: whether the next byte starts a line (prefix mode). */
export interface EchoState {
  atLineStart: boolean;
}

const LF = 0x0a;

/**
 * The echo protocol: every byte that comes in goes back, in order and
 * unchanged, however the stream is split into reads. With a prefix, the
 * prefix is inserted at the start of every line and nothing else changes.
 *
 * Flow control is the reactor's: a peer that does not read stops being
 * read. With a prefix the output can be many times the input (a read of
 * empty lines), so the handler echoes line by line and stops as soon as the
 * connection is congested; the reactor offers the rest again once the peer
 * has read. Memory per connection stays bounded by the watermarks, and a
 * peer that reads at full speed is never dropped.
 */
export function createEchoHandler(options: EchoOptions = {}): Handler<EchoState> {
  const prefix = options.prefix ? new TextEncoder().encode(options.prefix) : null;
  if (prefix === null) {
    // Byte-exact echo keeps no state: every connection shares one object.
    const stateless: EchoState = Object.freeze({ atLineStart: true });
    return {
      onOpen: () => stateless,
      onData(conn: Conn<EchoState>, bytes: Uint8Array): void {
        conn.write(bytes);
      },
    };
  }
  // A piece of input grows at most (prefix + 1)-fold (a run of empty lines).
  const pieceBytes = Math.max(1, Math.floor(MAX_PIECE_OUTPUT / (prefix.length + 1)));
  return {
    onOpen: () => ({ atLineStart: true }),
    onData: (conn: Conn<EchoState>, bytes: Uint8Array) =>
      echoWithPrefix(conn, bytes, prefix, pieceBytes),
  };
}

/**
 * Echoes `bytes` with `prefix` at every line start, `pieceBytes` of input at
 * a time, until done or congested. Returns the bytes used.
 */
function echoWithPrefix(
  conn: Conn<EchoState>,
  bytes: Uint8Array,
  prefix: Uint8Array,
  pieceBytes: number,
): number {
  let used = 0;
  while (used < bytes.length && !conn.congested) {
    const piece = bytes.subarray(used, Math.min(bytes.length, used + pieceBytes));
    conn.write(withPrefix(conn.state, piece, prefix));
    used += piece.length;
  }
  return used;
}

/** Most output bytes one piece of the prefix echo may produce. */
const MAX_PIECE_OUTPUT = 16384;

/** Copies `bytes` with `prefix` inserted at every line start. */
function withPrefix(state: EchoState, bytes: Uint8Array, prefix: Uint8Array): Uint8Array {
  let lines = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) lines++;
  const starts = lines + (state.atLineStart ? 1 : 0) - (bytes[bytes.length - 1] === LF ? 1 : 0);
  const out = new Uint8Array(bytes.length + starts * prefix.length);
  let written = 0;
  let start = 0;
  while (start < bytes.length) {
    if (state.atLineStart) {
      out.set(prefix, written);
      written += prefix.length;
    }
    const newline = bytes.indexOf(LF, start);
    const end = newline === -1 ? bytes.length : newline + 1;
    out.set(bytes.subarray(start, end), written);
    written += end - start;
    state.atLineStart = newline !== -1;
    start = end;
  }
  return out;
}
