import type { Connection, Handler } from "../reactor/mod.ts";

/** Settings of the echo protocol. */
export interface EchoOptions {
  /**
   * Text written before each echoed line (the classic `server echo: `
   * behaviour). `null` echoes byte-exact, binary-safe (RFC 862).
   * @default null
   */
  prefix?: string | null;
}

/** Per-connection state: whether the next byte starts a line (prefix mode). */
export interface EchoState {
  atLineStart: boolean;
}

const LF = 0x0a;

/**
 * The echo protocol: every byte that comes in goes back, in order and
 * unchanged, however the stream is split into reads. With a prefix, the
 * prefix is inserted at the start of every line and nothing else changes.
 * Flow control is the reactor's: a peer that does not read stops being read.
 */
export function createEchoHandler(options: EchoOptions = {}): Handler<EchoState> {
  const prefix = options.prefix ? new TextEncoder().encode(options.prefix) : null;
  // Byte-exact echo keeps no state: every connection shares one object.
  const stateless: EchoState = Object.freeze({ atLineStart: true });
  return {
    onOpen: () => prefix === null ? stateless : { atLineStart: true },
    onData(conn: Connection<EchoState>, bytes: Uint8Array): void {
      conn.write(prefix === null ? bytes : withPrefix(conn.state, bytes, prefix));
    },
  };
}

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
