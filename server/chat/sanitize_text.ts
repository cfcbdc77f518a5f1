/**
 * Makes user text safe to show on other users' terminals.
 *
 * @module
 */

/**
 * Every character {@link sanitizeText} may change. Its first test: a line
 * without any (the common case) costs this one test and a `trimEnd`.
 */
const NEEDS_SANITIZING =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\x00-\x1f\x7f-\x9f\xad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb\udb40]/;

/**
 * Characters the second pass places: joiners, variation selectors and tags
 * (U+E0000-U+E01EF all start with the high surrogate U+DB40; without the
 * `u` flag these tests are faster).
 */
const NEEDS_PLACING = /[\u200c\u200d\ufe00-\ufe0f\udb40]/;

const TAB = 0x09;
const BS = 0x08;
const BEL = 0x07;
const ESC = 0x1b;
const DEL = 0x7f;
const CSI_C1 = 0x9b;
const ST_C1 = 0x9c;
const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

/**
 * Makes one line of user text safe to show on other users' terminals, and
 * honest: nothing in it can move the cursor, reorder the line around the
 * sender's name, break it in two, or carry text nobody can see.
 *
 * Terminal controls:
 * - ANSI escape sequences are removed whole: CSI (`ESC [` or U+009B, up to
 *   a final byte 0x40-0x7E), control strings (OSC `ESC ]`, DCS `ESC P`,
 *   SOS, PM, APC and their C1 forms, up to BEL or ST or end of line) and
 *   other `ESC` sequences (`ESC` intermediates* final);
 * - TAB becomes a space;
 * - backspace and DEL erase the previous character, as they would have
 *   on the sender's terminal;
 * - every other C0 (U+0000-U+001F) and C1 (U+0080-U+009F) control is
 *   removed.
 *
 * Invisible and layout characters:
 *
 * | characters | rule | why |
 * | --- | --- | --- |
 * | U+2028, U+2029 line and paragraph separators | become a space | some clients break the line there, so one line could pose as two; a space keeps the words apart |
 * | U+202A-U+202E bidi embeddings and overrides, U+2066-U+2069 isolates | removed | they reorder the whole line, name included |
 * | U+200E LRM, U+200F RLM, U+061C ALM direction marks | removed | they move neutral characters such as `<` and `>` across the name |
 * | U+200B zero-width space, U+2060 word joiner, U+2061-U+2064 invisible operators, U+206A-U+206F deprecated format controls, U+2065 | removed | invisible, no use on a terminal line; they make equal-looking text differ |
 * | U+00AD soft hyphen | removed | invisible or a `-` depending on the terminal, and lines are never hyphenated |
 * | U+FEFF byte order mark | removed | invisible |
 * | U+FFF9-U+FFFB interlinear annotation | removed | invisible markup that hides the annotation text |
 * | U+200D ZWJ, U+200C ZWNJ | kept between two visible characters (a run keeps only its last), removed elsewhere | ZWJ builds emoji sequences (👨‍👩‍👧, 🏳️‍🌈) and Indic conjuncts; ZWNJ is spelling in Persian (می‌خواهم); at an edge, next to a space or repeated they only hide |
 * | U+FE00-U+FE0F, U+E0100-U+E01EF variation selectors | kept right after a visible character, removed elsewhere | VS16 asks for emoji presentation (❤️), others pick CJK and math glyph variants; stacked or alone they are invisible |
 * | U+E0020-U+E007F tag characters | kept only as a flag: U+1F3F4 🏴, 2 to 7 tags `0-9` `a-z`, then U+E007F CANCEL TAG (🏴󠁧󠁢󠁳󠁣󠁴󠁿); otherwise removed, with U+E0001 | anywhere else they carry invisible ASCII text |
 *
 * "Visible" here means not whitespace, a joiner, a selector or a tag.
 * Combining marks, emoji modifiers, other scripts and symbols pass as they
 * are. Trailing whitespace is removed last.
 */
export function sanitizeText(s: string): string {
  if (!NEEDS_SANITIZING.test(s)) return s.trimEnd();
  const clean = removeControls(s);
  return (NEEDS_PLACING.test(clean) ? placeJoiners(clean) : clean).trimEnd();
}

/** First pass: terminal controls, escape sequences and the always-removed format characters. */
function removeControls(s: string): string {
  const n = s.length;
  let out = "";
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < DEL) || (c > 0x9f && !isRemovedOrSpace(c))) {
      i++;
      continue;
    }
    out += s.slice(start, i);
    i++;
    if (c === TAB || c === 0x2028 || c === 0x2029) out += " ";
    else if (c === BS || c === DEL) out = dropLastCodePoint(out);
    else if (c === ESC) i = skipEscape(s, i);
    else if (c === CSI_C1) i = skipCsi(s, i);
    else if (c === 0x90 || c === 0x98 || c === 0x9d || c === 0x9e || c === 0x9f) {
      i = skipControlString(s, i);
    }
    start = i;
  }
  return out + s.slice(start);
}

/** BMP characters above U+009F that the first pass removes, or turns into a space (U+2028/9). */
function isRemovedOrSpace(c: number): boolean {
  if (c < 0x2000) return c === 0xad || c === 0x61c;
  if (c <= 0x206f) {
    return c === 0x200b || c === 0x200e || c === 0x200f || (c >= 0x2028 && c <= 0x202e) ||
      c >= 0x2060;
  }
  return c === 0xfeff || (c >= 0xfff9 && c <= 0xfffb);
}

const isJoiner = (cp: number) => cp === ZWJ || cp === ZWNJ;
const isSelector = (cp: number) =>
  (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
const isTag = (cp: number) => cp >= 0xe0000 && cp <= 0xe007f;
const isSpace = (cp: number) => /\s/.test(String.fromCodePoint(cp));
/** Whether a joiner or selector may attach to `cp`. */
const isVisible = (cp: number | undefined): cp is number =>
  cp !== undefined && !isSpace(cp) && !isJoiner(cp) && !isSelector(cp) && !isTag(cp);

/** Second pass: keeps joiners, variation selectors and tags only where they build something. */
function placeJoiners(s: string): string {
  const cps = Array.from(s, (ch) => ch.codePointAt(0)!);
  const out: number[] = [];
  for (let i = 0; i < cps.length;) {
    const cp = cps[i]!;
    const prev = out[out.length - 1];
    if (isJoiner(cp)) {
      // After a visible character or its selector (🏳️‍🌈), before a visible one.
      const after = isVisible(prev) || (prev !== undefined && isSelector(prev));
      if (after && isVisible(cps[i + 1])) out.push(cp);
      i++;
    } else if (isSelector(cp)) {
      if (isVisible(prev)) out.push(cp);
      i++;
    } else if (isTag(cp)) {
      let end = i;
      while (end < cps.length && isTag(cps[end]!)) end++;
      if (prev === BLACK_FLAG && isFlagTags(cps, i, end)) out.push(...cps.slice(i, end));
      i = end;
    } else {
      out.push(cp);
      i++;
    }
  }
  return String.fromCodePoint(...out);
}

/** Whether `cps[from, to)` is 2-7 tag digits or lowercase letters and a CANCEL TAG (UTS #51 flags). */
function isFlagTags(cps: number[], from: number, to: number): boolean {
  const count = to - from - 1;
  if (count < 2 || count > 7 || cps[to - 1] !== CANCEL_TAG) return false;
  for (let k = from; k < to - 1; k++) {
    const t = cps[k]! - 0xe0000;
    if (!((t >= 0x30 && t <= 0x39) || (t >= 0x61 && t <= 0x7a))) return false;
  }
  return true;
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
