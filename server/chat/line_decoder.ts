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
 *    option requests are refused, editing commands (EC, EL) are applied;
 * 2. framing: LF, CR LF, CR NUL and a bare CR each end a line;
 * 3. text: the line's bytes are decoded as UTF-8 (invalid -> U+FFFD) and
 *    passed through {@link sanitizeText}; empty results are dropped.
 *
 * @module
 */

/** Receives what the decoder produces; called synchronously from `push`/`end`. */
export interface LineSink {
  /** A complete, sanitized, non-empty line of text. */
  onLine(text: string): void;
  /** A line longer than maxLineBytes was discarded (called once per such line, when its end arrives or at end()). */
  onOversize(limitBytes: number): void;
  /** Bytes the server must send back to the client (telnet negotiation replies). */
  onTelnetReply(bytes: Uint8Array): void;
  /** The user pressed Ctrl-C in telnet (IAC IP) or sent IAC AYT etc.; optional reaction. */
  onTelnetCommand?(command: "interrupt" | "are-you-there" | "abort-output" | "break"): void;
}

/** Options for {@link LineDecoder}. */
export interface LineDecoderOptions {
  /**
   * Longest accepted line, in bytes of line data (after telnet decoding,
   * without the line terminator). Longer lines are discarded whole.
   * @default 4096
   */
  maxLineBytes?: number;
}

/** Telnet command and option bytes (RFC 854, RFC 860). */
const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const EL = 248;
const EC = 247;
const AYT = 246;
const AO = 245;
const IP = 244;
const BRK = 243;
const SE = 240;

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

/**
 * Incremental decoder from raw telnet/nc bytes to sanitized lines.
 *
 * One instance per connection. Every callback is made synchronously from
 * {@link LineDecoder.push} or {@link LineDecoder.end}, in input order; the
 * decoder's own state is updated before each callback, so a sink may throw
 * or stop caring (e.g. after `/quit`) without corrupting it.
 *
 * Telnet option negotiation is loop-safe (RFC 1143): we support no option,
 * so every `WILL` is answered `DONT` and every `DO` is answered `WONT`
 * (notably `DO TIMING-MARK`, which a telnet client sends after Ctrl-C and
 * waits on); `WONT`/`DONT` are never answered. Reply bytes never exceed
 * the request bytes.
 */
export class LineDecoder {
  readonly #max: number;
  /** Line data of the current partial line; grown on demand up to #max. */
  #buf: Uint8Array = new Uint8Array(0);
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
    const max = options.maxLineBytes ?? 4096;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
    }
    this.#max = max;
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
          if (this.#verb === WILL) sink.onTelnetReply(Uint8Array.of(IAC, DONT, b));
          else if (this.#verb === DO) sink.onTelnetReply(Uint8Array.of(IAC, WONT, b));
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
        sink.onTelnetCommand?.("are-you-there");
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

// deno-lint-ignore no-control-regex -- matching control characters is the point
const NEEDS_SANITIZING = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]/;

const TAB = 0x09;
const BS = 0x08;
const BEL = 0x07;
const ESC = 0x1b;
const DEL = 0x7f;
const CSI_C1 = 0x9b;
const ST_C1 = 0x9c;

/**
 * Makes one line of user text safe to show on other users' terminals.
 *
 * Guarantees the result contains no C0 control (U+0000-U+001F), DEL, C1
 * control (U+0080-U+009F) or bidi embedding/override/isolate control
 * (U+202A-U+202E, U+2066-U+2069), no U+FEFF (a byte order mark, or
 * an invisible zero-width no-break space), and no trailing whitespace:
 * - ANSI escape sequences are removed whole: CSI (`ESC [` or U+009B, up to
 *   a final byte 0x40-0x7E), control strings (OSC `ESC ]`, DCS `ESC P`,
 *   SOS, PM, APC and their C1 forms, up to BEL or ST or end of line) and
 *   other `ESC` sequences (`ESC` intermediates* final);
 * - TAB becomes a space;
 * - backspace and DEL erase the previous character, as they would have
 *   on the sender's terminal;
 * - every other control is removed.
 *
 * Lines without any of these characters (the common case) cost one regex
 * test and a `trimEnd`.
 */
export function sanitizeText(s: string): string {
  if (!NEEDS_SANITIZING.test(s)) return s.trimEnd();
  const n = s.length;
  let out = "";
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (
      (c >= 0x20 && c < DEL) ||
      (c > 0x9f && c !== 0xfeff && (c < 0x202a || c > 0x2069 || (c > 0x202e && c < 0x2066)))
    ) {
      i++;
      continue;
    }
    out += s.slice(start, i);
    i++;
    if (c === TAB) out += " ";
    else if (c === BS || c === DEL) out = dropLastCodePoint(out);
    else if (c === ESC) i = skipEscape(s, i);
    else if (c === CSI_C1) i = skipCsi(s, i);
    else if (c === 0x90 || c === 0x98 || c === 0x9d || c === 0x9e || c === 0x9f) {
      i = skipControlString(s, i);
    }
    start = i;
  }
  out += s.slice(start);
  return out.trimEnd();
}

function dropLastCodePoint(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  const last = s.charCodeAt(n - 1);
  const pair = last >= 0xdc00 && last <= 0xdfff && n >= 2 &&
    s.charCodeAt(n - 2) >= 0xd800 && s.charCodeAt(n - 2) <= 0xdbff;
  return s.slice(0, pair ? n - 2 : n - 1);
}

/** `i` is just after ESC; returns the index after the whole sequence. */
function skipEscape(s: string, i: number): number {
  if (i >= s.length) return i;
  const c = s.charCodeAt(i);
  if (c === 0x5b /* [ */) return skipCsi(s, i + 1);
  // ] OSC, P DCS, X SOS, ^ PM, _ APC: control strings ended by ST or BEL.
  if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) {
    return skipControlString(s, i + 1);
  }
  // ECMA-35: intermediates 0x20-0x2F, then one final 0x30-0x7E.
  while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x2f) i++;
  if (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x7e) i++;
  return i;
}

/** `i` is just after the CSI introducer; skips parameters, intermediates and the final byte. */
function skipCsi(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x3f) break;
    i++;
  }
  if (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x40 && c <= 0x7e) i++;
  }
  return i;
}

/**
 * `i` is just after a control-string introducer; skips to after BEL or ST
 * (`ESC \` or U+009C). Another ESC ends the string and is left for the
 * caller, so it is stripped as the start of a new sequence.
 */
function skipControlString(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === BEL || c === ST_C1) return i + 1;
    if (c === ESC) return s.charCodeAt(i + 1) === 0x5c /* \ */ ? i + 2 : i;
    i++;
  }
  return n;
}
