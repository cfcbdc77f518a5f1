/**
 * Telnet command and option bytes (RFC 854, 855, 856, 860), named once so
 * the decoder, the negotiator and their tests speak the same language.
 *
 * @module
 */

/** Interpret As Command: starts every telnet command; doubled, it is a 0xFF data byte. */
export const IAC = 255;
/** Asks the peer to stop (or not start) using an option on its side. */
export const DONT = 254;
/** Asks the peer to use an option on its side. */
export const DO = 253;
/** Refuses (or stops) using an option on our side. */
export const WONT = 252;
/** Offers (or agrees) to use an option on our side. */
export const WILL = 251;
/** Starts a subnegotiation, ended by IAC SE. */
export const SB = 250;
/** Go Ahead (half-duplex leftovers; ignored). */
export const GA = 249;
/** Erase Line: the client's "kill line" key. */
export const EL = 248;
/** Erase Character: the client's backspace. */
export const EC = 247;
/** Are You There: the client asks for a visible sign of life. */
export const AYT = 246;
/** Abort Output: the client's Ctrl-O. */
export const AO = 245;
/** Interrupt Process: the client's Ctrl-C. */
export const IP = 244;
/** Break: the client's Ctrl-\ (netkit/inetutils map "quit" to BRK). */
export const BRK = 243;
/** Data Mark: the end of an urgent "synch" (ignored). */
export const DM = 242;
/** No operation. */
export const NOP = 241;
/** Ends a subnegotiation. */
export const SE = 240;

/** Option 0, Binary Transmission (RFC 856): data bytes are 8-bit, nothing is stripped. */
export const BINARY = 0;
/** Option 1, Echo (RFC 857). */
export const ECHO = 1;
/** Option 3, Suppress Go Ahead (RFC 858). */
export const SGA = 3;
/** Option 6, Timing Mark (RFC 860): a request that every telnet answers by itself. */
export const TIMING_MARK = 6;
