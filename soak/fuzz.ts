/**
 * Garbage for the chat port: random bytes, telnet sequences cut short,
 * invalid UTF-8, terminal controls and invisible characters, mostly in
 * lines so that they reach the room.
 *
 * @module
 */
import {
  BAD_UTF8,
  bytes,
  CONTROLS,
  INVISIBLE,
  TELNET_BITS,
} from "../tests/helpers/chat_garbage.ts";
import { concat } from "../tests/helpers/socket.ts";

/** IAC SB mutes the sender until IAC SE: a soak fuzzer must keep talking, so it never sends one. */
const SB = 250;
const TELNET_WITHOUT_SB = TELNET_BITS.filter((sequence) => sequence[1] !== SB);

/** One piece of garbage, from `random` (a function returning [0, 1)). */
export function fuzzPiece(random: () => number): Uint8Array {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  switch (Math.floor(random() * 5)) {
    case 0: { // random bytes, sometimes a line
      const junk = new Uint8Array(1 + Math.floor(random() * 300));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(random() * 256);
      for (let i = 1; i < junk.length; i++) if (junk[i - 1] === 255 && junk[i] === SB) junk[i] = 0;
      return random() < 0.5 ? concat([junk, bytes("\n")]) : junk;
    }
    case 1:
      return bytes("t ", pick(TELNET_WITHOUT_SB), " t\n");
    case 2:
      return bytes("u ", pick(BAD_UTF8), " u\r\n");
    case 3:
      return bytes(pick(["", "/me ", "/topic ", "/away "]), pick(CONTROLS), "\n");
    default:
      return bytes("x ", pick(CONTROLS), pick(BAD_UTF8), INVISIBLE, "\r");
  }
}
