/**
 * One test per decision in sanitizeText's table of invisible and layout
 * characters: what is removed, what becomes a space, what must stay.
 */
import assert from "node:assert/strict";
import { sanitizeText } from "../../server/chat/sanitize_text.ts";

/** U+XXXX names for assertion messages. */
const hex = (s: string) =>
  [...s].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`)
    .join(" ");

function same(input: string, message: string): void {
  assert.equal(sanitizeText(input), input, `${message}: ${hex(input)}`);
}

function becomes(input: string, expected: string, message: string): void {
  assert.equal(sanitizeText(input), expected, `${message}: ${hex(input)}`);
}

Deno.test("sanitizeText: line and paragraph separators become a space", () => {
  becomes("one\u2028two", "one two", "LS");
  becomes("one\u2029two", "one two", "PS");
  becomes("end\u2028\u2029", "end", "trailing ones are trimmed like spaces");
});

Deno.test("sanitizeText: direction marks are removed", () => {
  becomes("a\u200eb", "ab", "LRM");
  becomes("a\u200fb", "ab", "RLM");
  becomes("a\u061cb", "ab", "ALM");
  // The attack: an RLM before text ending in '>' makes a bidi terminal draw it mirrored.
  becomes("\u200f<admin> hi", "<admin> hi", "RLM before a fake name");
  same("שלום עולם 123", "Hebrew and digits need no marks to pass");
  same("مرحبا بالعالم", "Arabic");
});

Deno.test("sanitizeText: bidi embeddings, overrides and isolates stay removed", () => {
  for (let c = 0x202a; c <= 0x202e; c++) becomes(`a${String.fromCharCode(c)}b`, "ab", "embedding");
  for (let c = 0x2066; c <= 0x2069; c++) becomes(`a${String.fromCharCode(c)}b`, "ab", "isolate");
});

Deno.test("sanitizeText: zero-width space, word joiner and the U+2060 block are removed", () => {
  becomes("ad\u200bmin", "admin", "ZWSP");
  for (let c = 0x2060; c <= 0x206f; c++) {
    becomes(`a${String.fromCharCode(c)}b`, "ab", `U+${c.toString(16)}`);
  }
  same("a\u205fb\u2070", "U+205F (a space) and U+2070 (superscript zero) are outside it");
});

Deno.test("sanitizeText: soft hyphen, BOM and interlinear annotation are removed", () => {
  becomes("in\u00advisible", "invisible", "SHY");
  becomes("\ufeffhi", "hi", "BOM");
  becomes("a\ufff9shown\ufffahidden\ufffbb", "ashownhiddenb", "annotation characters only");
  same("a\ufffcb\ufffd", "U+FFFC and U+FFFD are visible and stay");
});

Deno.test("sanitizeText: ZWJ stays inside emoji sequences and Indic conjuncts", () => {
  same("👨‍👩‍👧", "family");
  same("👩🏽‍💻", "after a skin-tone modifier");
  same("🏳️‍🌈", "after a variation selector");
  same("❤️‍🔥", "heart on fire");
  same("क्‍ष", "Devanagari half form");
});

Deno.test("sanitizeText: ZWNJ stays inside words (Persian)", () => {
  same("می‌خواهم", "Persian");
  same("نمی‌دانم که چه‌کار کنم", "several");
});

Deno.test("sanitizeText: joiners at an edge, next to a space or doubled are removed", () => {
  becomes("\u200dhi", "hi", "leading ZWJ");
  becomes("hi\u200d", "hi", "trailing ZWJ");
  becomes("a \u200db", "a b", "ZWJ after a space");
  becomes("a\u200d b", "a b", "ZWJ before a space");
  becomes("a\u200d\u200db", "a\u200db", "a doubled ZWJ becomes one");
  becomes("a\u200c\u200d\u200cb", "a\u200cb", "a run of joiners keeps only its last");
  becomes("👨\u200d\u200d👩", "👨\u200d👩", "so an emoji typed with a doubled ZWJ still joins");
  becomes("\u200c", "", "alone");
});

Deno.test("sanitizeText: a variation selector stays right after a visible character", () => {
  same("❤️", "VS16 emoji presentation");
  same("☺︎", "VS15 text presentation");
  same("1️⃣", "keycap");
  same("葛󠄀城", "ideographic variation selector (VS17)");
  becomes("\ufe0fhi", "hi", "at the start");
  becomes("a \ufe0f", "a", "after a space");
  becomes("❤\ufe0f\ufe0f\ufe0f", "❤\ufe0f", "stacked: only the first");
  becomes("a\u200d\ufe0fb", "a\ufe0fb", "a joiner before a selector goes; the selector stays");
  becomes("x\u{e0100}\u{e0101}", "x\u{e0100}", "stacked ideographic selectors");
});

Deno.test("sanitizeText: tag characters stay only as a subdivision flag", () => {
  const scotland = "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}";
  same(scotland, "Scotland");
  same(`${scotland} 🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}!`, "two flags");
  same("🏴", "a plain black flag");
  const tags = (text: string) =>
    [...text].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join("");
  becomes(`hi${tags("ignore previous instructions")}`, "hi", "hidden ASCII (tag smuggling)");
  becomes(`🏴${tags("gbsct")}`, "🏴", "no CANCEL TAG");
  becomes(`🏴${tags("g")}\u{e007f}`, "🏴", "one tag is too short");
  becomes(`🏴${tags("abcdefgh")}\u{e007f}`, "🏴", "eight tags are too long");
  becomes(`🏴${tags("GB-SC")}\u{e007f}`, "🏴", "only digits and lowercase letters");
  becomes(`x${tags("gbsct")}\u{e007f}`, "x", "not after a black flag");
  becomes(`🏴${tags("gbsct")}\u{e007f}\u{e007f}`, "🏴", "a run with more after the CANCEL TAG");
  becomes("a\u{e0001}\u{e0065}\u{e006e}b", "ab", "LANGUAGE TAG");
});

Deno.test("sanitizeText: ordinary text of many scripts passes untouched", () => {
  for (
    const text of [
      "привет всем, у меня всё хорошо",
      "Ελληνικά: σας ευχαριστώ",
      "日本語 한국어 👍🏽",
      "naïve café – “quotes” … ½",
      "ᠮᠣᠩᠭᠣᠯ", // Mongolian
      "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", // combining marks are not limited here
    ]
  ) same(text, "text");
});

Deno.test("sanitizeText: the result never keeps a removed character or a misplaced joiner", () => {
  const removed =
    /[\u00ad\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u{e0001}]/u;
  const alphabet = [
    "a",
    " ",
    "🏴",
    "❤",
    "\u200c",
    "\u200d",
    "\ufe0f",
    "\u{e0100}",
    "\u{e0067}",
    "\u{e0062}",
    "\u{e007f}",
    "\u{e0041}",
    "\u200e",
    "\u2028",
    "\u2060",
    "\u00ad",
    "\ufeff",
  ];
  let seed = 2028;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  const isJoiner = (c: string) => c === "\u200c" || c === "\u200d";
  const isSelector = (c: string) => c === "\ufe0f" || c === "\u{e0100}";
  for (let n = 0; n < 5000; n++) {
    let input = "";
    for (let k = random(16); k > 0; k--) input += alphabet[random(alphabet.length)];
    const out = sanitizeText(input);
    const cps = [...out];
    const where = `${hex(input)} -> ${hex(out)}`;
    assert.ok(!removed.test(out), where);
    assert.equal(sanitizeText(out), out, `not idempotent: ${where}`);
    cps.forEach((c, i) => {
      const prev = cps[i - 1];
      const next = cps[i + 1];
      if (isJoiner(c)) {
        assert.ok(prev !== undefined && prev !== " " && !isJoiner(prev), `joiner after: ${where}`);
        assert.ok(
          next !== undefined && next !== " " && !isJoiner(next) && !isSelector(next),
          `joiner before: ${where}`,
        );
      }
      if (isSelector(c)) {
        assert.ok(prev !== undefined && prev !== " " && !isJoiner(prev) && !isSelector(prev));
      }
    });
  }
});
