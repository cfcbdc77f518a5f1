/**
 * Garbage a hostile or broken client sends to the chat port, shared by the
 * fault test and the soak so that both throw the same things at it.
 */
import { concat } from "./socket.ts";

/** Text as UTF-8 and byte lists as they are, joined. */
export function bytes(...parts: (string | readonly number[])[]): Uint8Array {
  return concat(
    parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : Uint8Array.from(p)),
  );
}

/** Telnet sequences cut short, or odd: IAC alone, a command without its option, SB without SE. */
export const TELNET_BITS: readonly (readonly number[])[] = [
  [255],
  [255, 251],
  [255, 253],
  [255, 254, 255],
  [255, 246],
  [255, 244],
  [255, 255],
  [255, 240],
  [255, 250, 24, 0],
  [255, 250, 31, 0, 80, 0, 24, 255],
  [255, 247, 255, 248],
];
/** Invalid UTF-8: overlongs, surrogates, past U+10FFFF, stray continuation bytes, cut sequences. */
export const BAD_UTF8: readonly (readonly number[])[] = [
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
  [0xbf, 0xbf],
  [0xfe],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];
/** Terminal controls: CSI, OSC, DCS, C1 as raw bytes and as UTF-8, DEL, BEL, BS, NUL. */
export const CONTROLS: readonly (string | readonly number[])[] = [
  "\x1b[31mred\x1b[0m",
  "\x1b]0;owned\x07",
  "\x1bP1$r\x1b\\",
  "\x1b[2J\x1b[H",
  "\x1bc",
  [0x9b, 0x33, 0x31, 0x6d],
  "\u009b31m\u0085\u008d",
  "\x7f\x07\x08\x00\x0b\x0c",
  "\r\x00after CR NUL",
  "bare CR\rnext",
];
/** Invisible and layout characters the README says are removed or replaced. */
export const INVISIBLE =
  "\u202eevil\u202c \u2066iso\u2069 \u200bzw\u200e\u200f \ufeffbom \u00adshy \u2028ls \u2060wj";
