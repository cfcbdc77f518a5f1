/**
 * Garbage for the chat port: random bytes, telnet sequences cut short,
 * invalid UTF-8, terminal controls and invisible characters, mostly in
 * lines so that they reach the room.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Telnet sequences cut short or odd (SB without SE mutes the sender until IAC SE: left out). */
const TELNET_BITS: readonly number[][] = [
  [255],
  [255, 251],
  [255, 253],
  [255, 254, 255],
  [255, 246],
  [255, 244],
  [255, 255],
  [255, 240],
  [255, 247, 255, 248],
];
/** Invalid UTF-8: overlongs, surrogates, past U+10FFFF, stray continuation bytes, cut sequences. */
const BAD_UTF8: readonly number[][] = [
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
  [0xfe],
  [0xe2, 0x82],
];
/** Terminal controls: CSI, OSC, DCS, C1 raw and as UTF-8, DEL, BEL, BS, NUL. */
const CONTROLS: readonly string[] = [
  "\x1b[31mred\x1b[0m",
  "\x1b]0;owned\x07",
  "\x1bP1$r\x1b\\",
  "\x1b[2J",
  "\u009b31m\u0085",
  "\x7f\x07\x08\x00\x0b",
];
const INVISIBLE = "\u202eevil\u202c \u2066iso\u2069 \u200bzw\u200f \ufeffbom \u00adshy \u2028ls";

/** One piece of garbage, from `random` (a function returning [0, 1)). */
export function fuzzPiece(random: () => number): Uint8Array {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const parts: Uint8Array[] = [];
  switch (Math.floor(random() * 5)) {
    case 0: { // random bytes, sometimes a line
      const junk = new Uint8Array(1 + Math.floor(random() * 300));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(random() * 256);
      // IAC SB would mute the connection: drop SB after IAC.
      for (let i = 1; i < junk.length; i++) if (junk[i - 1] === 255 && junk[i] === 250) junk[i] = 0;
      parts.push(junk);
      if (random() < 0.5) parts.push(encoder.encode("\n"));
      break;
    }
    case 1:
      parts.push(encoder.encode("t "), Uint8Array.from(pick(TELNET_BITS)), encoder.encode(" t\n"));
      break;
    case 2:
      parts.push(encoder.encode("u "), Uint8Array.from(pick(BAD_UTF8)), encoder.encode(" u\r\n"));
      break;
    case 3:
      parts.push(encoder.encode(`${pick(["", "/me ", "/topic ", "/away "])}${pick(CONTROLS)}\n`));
      break;
    default:
      parts.push(encoder.encode(`x ${pick(CONTROLS)}`), Uint8Array.from(pick(BAD_UTF8)));
      parts.push(encoder.encode(`${INVISIBLE}\r`));
  }
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
