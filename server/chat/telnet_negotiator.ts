/**
 * Telnet option negotiation for one chat connection: what the server asks
 * for at connect, what it answers, liveness probes, and the limits that
 * keep any input from being amplified into more output.
 *
 * @module
 */
import { BINARY, DO, DONT, IAC, TIMING_MARK, WILL, WONT } from "./telnet_codes.ts";
import {
  type QSend,
  type QState,
  receiveNegative,
  receivePositive,
  request,
} from "./telnet_q_method.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Where negotiation results go; the line decoder's `LineSink` extends it. */
export interface NegotiationSink {
  /** Bytes the server must send back to the client (negotiation replies). */
  onTelnetReply(bytes: Uint8Array): void;
  /**
   * The client answered one of our {@link TelnetNegotiator.probe} requests
   * (IAC WILL or WONT TIMING-MARK), so it is alive and reading.
   */
  onTimingMark?(): void;
}

/** Options for {@link TelnetNegotiator}. */
export interface TelnetNegotiatorOptions {
  /**
   * Clock in milliseconds for the AYT limit; only differences matter.
   * @default performance.now
   */
  now?: () => number;
  /**
   * Least time between two answered IAC AYT (Are You There), in ms. An AYT
   * costs the client 2 bytes and its answer is a whole line, so answering
   * each one would multiply a flood tenfold.
   * @default 5000
   */
  aytIntervalMs?: number;
}

/** Options we agree to on either side: only BINARY, which makes telnet 8-bit clean. */
const ACCEPTED: ReadonlySet<number> = new Set([BINARY]);

/**
 * Times one side of an option may be switched on; after that it is refused.
 * Two RFC 1143 peers settle in one round trip, but a client that breaks
 * RFC 854 by acknowledging requests for modes it is already in would
 * otherwise ping-pong with us forever (one reply per request, but forever).
 */
const MAX_ENABLES = 8;

/** Erases what a terminal showed for the negotiation bytes: CR, then ESC [ K (erase to end of line). */
const ERASE_LINE = [0x0d, 0x1b, 0x5b, 0x4b] as const;

/**
 * Negotiates telnet options by RFC 1143 (loop-safe: at most one reply per
 * request received, and never one to an answer).
 *
 * At connect the server asks the client to send BINARY ({@link open}), the
 * only thing that stops BSD-derived telnet clients (netkit, GNU inetutils)
 * from stripping bit 8 off every typed byte before matching it against
 * their special keys, which turns UTF-8 bytes 0x83, 0x8F and 0x9C into
 * IAC IP, IAC AO and IAC BRK. The server does not offer to send BINARY
 * itself: those clients pass 8-bit output through anyway, and agreeing to
 * it makes them turn the terminal's output processing off, so every Enter
 * the user types moves down without returning to column 0. A client that
 * asks for it (IAC DO BINARY) gets it. Every other option is refused, and
 * so is an option the client has already switched on 8 times.
 *
 * Output bounds, whatever the client sends: each option request gets at
 * most one 3-byte reply (so replies never exceed requests), and an AYT is
 * passed on at most once per `aytIntervalMs`.
 */
export class TelnetNegotiator {
  readonly #us = new Map<number, QState>();
  readonly #him = new Map<number, QState>();
  /** Times each side of each option went to "yes": key `option` for his side, `256 + option` for ours. */
  readonly #enables = new Map<number, number>();
  readonly #aytOptions: { ratePerSecond: number; burst: number; now?: () => number };
  /** Made at the first AYT: most connections never send one. */
  #ayt: TokenBucket | null = null;
  #speaksTelnet = false;
  #probes = 0;

  /** @throws {RangeError} if `aytIntervalMs` is not a positive number */
  constructor(options: TelnetNegotiatorOptions = {}) {
    const interval = options.aytIntervalMs ?? 5000;
    if (!(Number.isFinite(interval) && interval > 0)) {
      throw new RangeError(`aytIntervalMs must be a positive number, got ${interval}`);
    }
    this.#aytOptions = {
      ratePerSecond: 1000 / interval,
      burst: 1,
      ...(options.now === undefined ? {} : { now: options.now }),
    };
  }

  /**
   * Bytes to send when the connection opens, before anything else:
   * IAC DO BINARY, then CR ESC [ K. Telnet consumes the first three and
   * agrees; `nc` shows them as two replacement glyphs, which the CR and
   * erase-line remove again on an interactive terminal. Empty if called
   * again.
   */
  open(): Uint8Array {
    const sent = this.#request(this.#him, BINARY, true, DO, DONT);
    return sent === null ? new Uint8Array(0) : Uint8Array.of(...sent, ...ERASE_LINE);
  }

  /**
   * A liveness probe: IAC DO TIMING-MARK, which every telnet answers by
   * itself (WILL or WONT) without its user doing anything. Each call counts
   * one outstanding probe; each answer calls `onTimingMark`. Send it only
   * when {@link speaksTelnet} is true: `nc` shows the bytes as garbage.
   */
  probe(): Uint8Array {
    this.#probes++;
    return Uint8Array.of(IAC, DO, TIMING_MARK);
  }

  /** Probes sent and not answered yet. */
  get probesPending(): number {
    return this.#probes;
  }

  /**
   * Whether the client has negotiated at all (sent any WILL, WONT, DO or
   * DONT), i.e. it is a telnet and not `nc`. Real telnet clients answer
   * the IAC DO BINARY of {@link open} at once.
   */
  get speaksTelnet(): boolean {
    return this.#speaksTelnet;
  }

  /** The RFC 1143 state of the client's side of `option` (does it send it?). */
  himState(option: number): QState {
    return this.#him.get(option) ?? "no";
  }

  /** The RFC 1143 state of our side of `option` (do we send it?). */
  usState(option: number): QState {
    return this.#us.get(option) ?? "no";
  }

  /**
   * Handles IAC `verb` `option` from the client (`verb` one of WILL, WONT,
   * DO, DONT) and sends at most one 3-byte reply through `sink`.
   */
  receive(verb: number, option: number, sink: NegotiationSink): void {
    this.#speaksTelnet = true;
    if (option === TIMING_MARK) {
      this.#timingMark(verb, sink);
      return;
    }
    const his = verb === WILL || verb === WONT;
    const key = his ? option : 256 + option;
    const side = his ? this.#him : this.#us;
    const before = side.get(option) ?? "no";
    const enables = this.#enables.get(key) ?? 0;
    const accept = ACCEPTED.has(option) && enables < MAX_ENABLES;
    const { state, send } = verb === WILL || verb === DO
      ? receivePositive(before, accept)
      : receiveNegative(before);
    if (state === "yes" && before !== "yes") this.#enables.set(key, enables + 1);
    const sent = his
      ? this.#apply(side, option, state, send, DO, DONT)
      : this.#apply(side, option, state, send, WILL, WONT);
    if (sent !== null) sink.onTelnetReply(sent);
  }

  /** Whether an IAC AYT arriving now should be answered (at most once per `aytIntervalMs`). */
  allowAreYouThere(): boolean {
    this.#ayt ??= new TokenBucket(this.#aytOptions);
    return this.#ayt.tryTake();
  }

  /**
   * TIMING-MARK is a request-response, not a state (RFC 860): DO TM (the
   * client's Ctrl-C) is always answered WONT TM, which is what unblocks the
   * client; WILL/WONT TM answer our probes; an unsolicited WILL TM is
   * refused like any other option.
   */
  #timingMark(verb: number, sink: NegotiationSink): void {
    if (verb === DO) {
      sink.onTelnetReply(Uint8Array.of(IAC, WONT, TIMING_MARK));
    } else if (verb === WILL || verb === WONT) {
      if (this.#probes > 0) {
        this.#probes--;
        sink.onTimingMark?.();
      } else if (verb === WILL) {
        sink.onTelnetReply(Uint8Array.of(IAC, DONT, TIMING_MARK));
      }
    }
  }

  #request(
    side: Map<number, QState>,
    option: number,
    enable: boolean,
    positive: number,
    negative: number,
  ): Uint8Array | null {
    const { state, send } = request(side.get(option) ?? "no", enable);
    return this.#apply(side, option, state, send, positive, negative);
  }

  /** Stores the new state and returns the bytes to send, if any. */
  #apply(
    side: Map<number, QState>,
    option: number,
    state: QState,
    send: QSend,
    positive: number,
    negative: number,
  ): Uint8Array | null {
    // Refused options stay "no" and are never stored, so each map holds at
    // most one entry per accepted option.
    if (state === "no") side.delete(option);
    else side.set(option, state);
    if (send === null) return null;
    return Uint8Array.of(IAC, send === "positive" ? positive : negative, option);
  }
}
