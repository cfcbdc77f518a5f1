/**
 * Makes user text safe to show on other users' terminals.
 *
 * @module
 */

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
