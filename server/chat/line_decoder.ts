/**
 * Streaming line decoder for chat input typed with `nc` or `telnet`.
 *
 * Bytes arrive in arbitrary chunks; a line, a CR LF pair or a telnet IAC
 * sequence may be split at any byte. The decoder keeps a small amount of
 * state between chunks and guarantees bounded memory whatever the input:
 * at most `maxLineBytes` of line data, never any subnegotiation data.
 *
 * Layers, in order:
 * 1. telnet (RFC 854/855): IAC commands are removed from the data stream,
 *    option requests go to a {@link TelnetNegotiator}, editing commands
 *    (EC, EL) are applied;
 * 2. framing: LF, CR LF, CR NUL and a bare CR each end a line;
 * 3. text: the line's bytes are decoded as UTF-8 (invalid -> U+FFFD) and
 *    passed through {@link sanitizeText}; empty results are dropped.
 *
 * @module
 */
import { DEFAULT_CHAT_OPTIONS } from "./chat_options.ts";
import { sanitizeText } from "./sanitize_text.ts";
import { AO, AYT, BRK, EC, EL, IAC, IP, SB, SE, WILL } from "./telnet_codes.ts";
import {
  type NegotiationSink,
  TelnetNegotiator,
  type TelnetNegotiatorOptions,
} from "./telnet_negotiator.ts";

export { sanitizeText };

/**
 * Receives what the decoder produces; called synchronously from `push`/`end`.
 * Negotiation replies and probe answers arrive through the
 * {@link NegotiationSink} part.
 */
export interface LineSink extends NegotiationSink {
  /** A complete, sanitized, non-empty line of text. */
  onLine(text: string): void;
  /** A line longer than maxLineBytes was discarded (called once per such line, when its end arrives or at end()). */
  onOversize(limitBytes: number): void;
  /**
   * The user pressed Ctrl-C in telnet (IAC IP), Ctrl-O (AO), Ctrl-\ (BRK)
   * or sent IAC AYT; optional reaction. `are-you-there` is reported at most
   * once per `aytIntervalMs` (others in between are dropped), so a reply to
   * it cannot be used to amplify a flood.
   */
  onTelnetCommand?(command: "interrupt" | "are-you-there" | "abort-output" | "break"): void;
}

/** Options for {@link LineDecoder}; the telnet ones go to its {@link TelnetNegotiator}. */
export interface LineDecoderOptions extends TelnetNegotiatorOptions {
  /**
   * Longest accepted line, in bytes of line data (after telnet decoding,
   * without the line terminator). Longer lines are discarded whole.
   * @default DEFAULT_CHAT_OPTIONS.maxLineBytes (4096)
   */
  maxLineBytes?: number;
}

const LF = 10;
const CR = 13;
const NUL = 0;

/** Decoder states; `DATA` is the only one in which line bytes are collected. */
const S_DATA = 0;
/** Saw IAC. */
const S_IAC = 1;
/** Saw IAC WILL/WONT/DO/DONT, waiting for the option byte. */
const S_OPT = 2;
/** Inside IAC SB ... : bytes are skipped, never stored. */
const S_SB = 3;
/** Inside subnegotiation, saw IAC. */
const S_SB_IAC = 4;

/** Shared: `decode` without `stream` keeps no state, so one instance serves every line. */
const utf8 = new TextDecoder("utf-8", { fatal: false });

const INITIAL_CAPACITY = 256;

/** The line buffer of a decoder that has held no partial line yet (shared, never written). */
const NO_BYTES = new Uint8Array(0);

/**
 * Incremental decoder from raw telnet/nc bytes to sanitized lines.
 *
 * One instance per connection. Every callback is made synchronously from
 * {@link LineDecoder.push} or {@link LineDecoder.end}, in input order; the
 * decoder's own state is updated before each callback, so a sink may throw
 * or stop caring (e.g. after `/quit`) without corrupting it.
 *
 * Telnet option negotiation is delegated to {@link LineDecoder.telnet}
 * (loop-safe by RFC 1143; reply bytes never exceed request bytes; notably
 * `DO TIMING-MARK`, which a telnet client sends after Ctrl-C and waits on,
 * is always answered).
 */
export class LineDecoder {
  /**
   * This connection's telnet negotiation: the bytes to send at connect
   * (`open()`), liveness probes (`probe()`) and whether the client speaks
   * telnet (`speaksTelnet`).
   */
  readonly telnet: TelnetNegotiator;
  readonly #max: number;
  /** Line data of the current partial line; grown on demand up to #max. */
  #buf: Uint8Array = NO_BYTES;
  #len = 0;
  /** The current line exceeded #max: skip to its end, then report it once. */
  #discarding = false;
  /** The previous data byte was CR: swallow one LF or NUL that follows. */
  #afterCR = false;
  #state = S_DATA;
  /** WILL/WONT/DO/DONT while in S_OPT. */
  #verb = 0;

  /** @throws {RangeError} if `maxLineBytes` is not a positive integer */
  constructor(options: LineDecoderOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_CHAT_OPTIONS.maxLineBytes;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
    }
    this.#max = max;
    this.telnet = new TelnetNegotiator(options);
  }

  /** Bytes of the current partial line held in memory; never more than `maxLineBytes`. */
  get bufferedBytes(): number {
    return this.#len;
  }

  /** Feeds one chunk of input; emits every line it completes. */
  push(chunk: Uint8Array, sink: LineSink): void {
    const n = chunk.length;
    let i = 0;
    // Next LF / CR / IAC at or after i (n when none): each is found with one
    // native scan per occurrence, so the common case (LF-only text) costs one
    // memchr-like pass per line plus two per chunk.
    let lf = -1;
    let cr = -1;
    let iac = -1;
    while (i < n) {
      const state = this.#state;
      if (state === S_DATA) {
        if (this.#afterCR) {
          this.#afterCR = false;
          const b = chunk[i];
          if (b === LF || b === NUL) {
            i++;
            continue;
          }
        }
        if (lf < i) lf = indexOrEnd(chunk, LF, i);
        if (cr < i) cr = indexOrEnd(chunk, CR, i);
        if (iac < i) iac = indexOrEnd(chunk, IAC, i);
        let j = lf < cr ? lf : cr;
        if (iac < j) j = iac;
        if (j === n) {
          this.#append(chunk, i, n);
          return;
        }
        const b = chunk[j];
        if (b === IAC) {
          this.#append(chunk, i, j);
          this.#state = S_IAC;
        } else if (this.#len === 0 && !this.#discarding && j - i <= this.#max) {
          // Fast path: whole lines inside this chunk, no copy.
          i = this.#lineRun(chunk, i, j, iac, sink);
          continue;
        } else {
          if (b === CR) this.#afterCR = true;
          if (this.#len === 0 && !this.#discarding) {
            sink.onOversize(this.#max);
          } else {
            this.#append(chunk, i, j);
            this.#finishLine(sink);
          }
        }
        i = j + 1;
      } else {
        const b = chunk[i++] as number;
        if (state === S_IAC) {
          this.#state = S_DATA;
          this.#command(b, sink);
        } else if (state === S_OPT) {
          this.#state = S_DATA;
          this.telnet.receive(this.#verb, b, sink);
        } else if (state === S_SB) {
          if (b === IAC) this.#state = S_SB_IAC;
        } else {
          // S_SB_IAC: IAC SE ends the subnegotiation, IAC IAC is an escaped
          // data byte inside it; anything else is a protocol error from which
          // we recover by ending the subnegotiation and obeying the command.
          if (b === SE) this.#state = S_DATA;
          else if (b === IAC) this.#state = S_SB;
          else {
            this.#state = S_DATA;
            this.#command(b, sink);
          }
        }
      }
    }
  }

  /**
   * At EOF: deliver a final unterminated line if any (or report it as
   * oversize), drop any incomplete telnet sequence, and reset the decoder.
   */
  end(sink: LineSink): void {
    this.#state = S_DATA;
    this.#afterCR = false;
    this.#finishLine(sink);
  }

  /**
   * Emits the run of complete lines that starts at `start` (its first line
   * ends at `firstEnd`) and stops before the next IAC (`stop`), the next
   * oversize line, or the chunk's last partial line. The run is decoded
   * with one `TextDecoder` call (a call per line costs several times more)
   * and split on the decoded terminators: UTF-8 decoding maps every CR, LF
   * and NUL byte to exactly that character and never absorbs one into a
   * replacement character, so the split is the same as on the bytes.
   * Returns the index after the run.
   */
  #lineRun(
    chunk: Uint8Array,
    start: number,
    firstEnd: number,
    stop: number,
    sink: LineSink,
  ): number {
    const n = chunk.length;
    const max = this.#max;
    let lf = -1;
    let cr = -1;
    let p = firstEnd;
    let end: number;
    for (;;) {
      end = p + 1;
      if (chunk[p] === CR && end < n) {
        const c = chunk[end];
        if (c === LF || c === NUL) end++;
      }
      if (end >= stop) break;
      if (lf < end) lf = indexOrEnd(chunk, LF, end);
      if (cr < end) cr = indexOrEnd(chunk, CR, end);
      const j = lf < cr ? lf : cr;
      if (j >= stop || j - end > max) break;
      p = j;
    }
    this.#afterCR = chunk[end - 1] === CR;
    const text = utf8.decode(chunk.subarray(start, end));
    const len = text.length;
    let s = 0;
    let nl = -1;
    let ret = -1;
    while (s < len) {
      if (nl < s) nl = stringIndexOrEnd(text, "\n", s);
      if (ret < s) ret = stringIndexOrEnd(text, "\r", s);
      const e = nl < ret ? nl : ret;
      if (e > s) deliver(text.slice(s, e), sink);
      s = e + 1;
      if (e === ret && s < len) {
        const c = text.charCodeAt(s);
        if (c === LF || c === NUL) s++;
      }
    }
    return end;
  }

  /** Interprets the byte after IAC (outside subnegotiation). */
  #command(b: number, sink: LineSink): void {
    if (b >= WILL) {
      if (b === IAC) this.#appendByte(IAC);
      else {
        this.#verb = b;
        this.#state = S_OPT;
      }
      return;
    }
    switch (b) {
      case SB:
        this.#state = S_SB;
        return;
      case EL:
        if (!this.#discarding) this.#len = 0;
        return;
      case EC:
        if (!this.#discarding) this.#eraseChar();
        return;
      case IP:
        this.#len = 0;
        this.#discarding = false;
        sink.onTelnetCommand?.("interrupt");
        return;
      case AYT:
        if (this.telnet.allowAreYouThere()) sink.onTelnetCommand?.("are-you-there");
        return;
      case AO:
        sink.onTelnetCommand?.("abort-output");
        return;
      case BRK:
        sink.onTelnetCommand?.("break");
        return;
      default:
        // NOP, DM, GA, SE outside SB, and invalid command bytes: ignored.
        return;
    }
  }

  /** Ends the current line: emits it, or reports it as oversize. */
  #finishLine(sink: LineSink): void {
    if (this.#discarding) {
      this.#discarding = false;
      this.#len = 0;
      sink.onOversize(this.#max);
      return;
    }
    const len = this.#len;
    if (len === 0) return;
    this.#len = 0;
    deliver(utf8.decode(this.#buf.subarray(0, len)), sink);
  }

  /** Adds `chunk[from, to)` to the partial line, switching to discard mode on overflow. */
  #append(chunk: Uint8Array, from: number, to: number): void {
    const count = to - from;
    if (count === 0 || this.#discarding) return;
    const need = this.#len + count;
    if (need > this.#max) {
      this.#discarding = true;
      this.#len = 0;
      return;
    }
    if (need > this.#buf.length) this.#grow(need);
    this.#buf.set(chunk.subarray(from, to), this.#len);
    this.#len = need;
  }

  #appendByte(b: number): void {
    if (this.#discarding) return;
    if (this.#len === this.#max) {
      this.#discarding = true;
      this.#len = 0;
      return;
    }
    if (this.#len === this.#buf.length) this.#grow(this.#len + 1);
    this.#buf[this.#len++] = b;
  }

  #grow(need: number): void {
    let cap = Math.max(INITIAL_CAPACITY, this.#buf.length * 2);
    while (cap < need) cap *= 2;
    const next = new Uint8Array(Math.min(cap, this.#max));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** IAC EC: removes the last UTF-8 encoded character of the partial line. */
  #eraseChar(): void {
    let len = this.#len;
    const buf = this.#buf;
    while (len > 0 && ((buf[len - 1] as number) & 0xc0) === 0x80) len--;
    this.#len = len > 0 ? len - 1 : 0;
  }
}

function indexOrEnd(chunk: Uint8Array, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at < 0 ? chunk.length : at;
}

function stringIndexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}

function deliver(raw: string, sink: LineSink): void {
  const text = sanitizeText(raw);
  if (text.length > 0) sink.onLine(text);
}
