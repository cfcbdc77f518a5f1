import assert from "node:assert/strict";
import {
  LineDecoder,
  type LineDecoderOptions,
  type LineSink,
  sanitizeText,
} from "../../server/chat/line_decoder.ts";

type Event =
  | ["line", string]
  | ["oversize", number]
  | ["reply", number[]]
  | ["command", string]
  | ["timing-mark"];

class Recorder implements LineSink {
  events: Event[] = [];
  onLine(text: string): void {
    this.events.push(["line", text]);
  }
  onOversize(limitBytes: number): void {
    this.events.push(["oversize", limitBytes]);
  }
  onTelnetReply(bytes: Uint8Array): void {
    this.events.push(["reply", [...bytes]]);
  }
  onTelnetCommand(command: string): void {
    this.events.push(["command", command]);
  }
  onTimingMark(): void {
    this.events.push(["timing-mark"]);
  }
}

const enc = new TextEncoder();

/** Bytes from strings (UTF-8 encoded) and numbers (raw bytes). */
function bytes(...parts: (string | number | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "string") out.push(...enc.encode(p));
    else if (typeof p === "number") out.push(p);
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

/** Feeds the chunks in order, then end(); returns every event. */
function decode(chunks: Uint8Array[], options?: LineDecoderOptions): Event[] {
  const decoder = new LineDecoder(options);
  const sink = new Recorder();
  for (const c of chunks) decoder.push(c, sink);
  decoder.end(sink);
  return sink.events;
}

/**
 * Asserts that `input` gives `expected` fed whole, split in two at every
 * byte position, split in three at every pair of positions (for short
 * inputs), and fed one byte at a time.
 */
function assertSplitInvariant(input: Uint8Array, expected: Event[], options?: LineDecoderOptions) {
  assert.deepEqual(decode([input], options), expected, "whole");
  for (let p = 0; p <= input.length; p++) {
    assert.deepEqual(
      decode([input.subarray(0, p), input.subarray(p)], options),
      expected,
      `split at ${p}`,
    );
  }
  if (input.length <= 40) {
    for (let p = 1; p < input.length; p++) {
      for (let q = p + 1; q < input.length; q++) {
        const chunks = [input.subarray(0, p), input.subarray(p, q), input.subarray(q)];
        assert.deepEqual(decode(chunks, options), expected, `split at ${p},${q}`);
      }
    }
  }
  const single = [...input].map((b) => Uint8Array.of(b));
  assert.deepEqual(decode(single, options), expected, "byte by byte");
}

const lines = (...texts: string[]): Event[] => texts.map((t) => ["line", t]);

// IAC and friends
const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, GA = 249;
const EL = 248, EC = 247, AYT = 246, AO = 245, IP = 244, BRK = 243, DM = 242, NOP = 241;
const SE = 240;
const BINARY = 0, ECHO = 1, SGA = 3, TTYPE = 24, TM = 6, NAWS = 31, LINEMODE = 34;

Deno.test("line decoder: LF, CRLF, CR NUL and bare CR each end a line", () => {
  assertSplitInvariant(
    bytes("one\ntwo\r\nthree\r\0four\rfive\n"),
    lines("one", "two", "three", "four", "five"),
  );
});

Deno.test("line decoder: CRLF split across chunks yields one line, no more", () => {
  assert.deepEqual(
    decode([bytes("hi\r"), bytes("\nthere\r"), bytes("\0x\n")]),
    lines("hi", "there", "x"),
  );
});

Deno.test("line decoder: a CR swallows only one LF or NUL", () => {
  assert.deepEqual(decode([bytes("a\r\n\nb\r\0\0c\n")]), lines("a", "b", "c"));
});

Deno.test("line decoder: the NUL after CR is not line data (it would count toward the limit)", () => {
  assertSplitInvariant(bytes("x\r\0abcd\r\0"), lines("x", "abcd"), { maxLineBytes: 4 });
  assertSplitInvariant(bytes("x\r\nabcd\r\n"), lines("x", "abcd"), { maxLineBytes: 4 });
});

Deno.test("line decoder: final unterminated line is delivered only at end()", () => {
  const decoder = new LineDecoder();
  const sink = new Recorder();
  decoder.push(bytes("done\npartial"), sink);
  assert.deepEqual(sink.events, lines("done"));
  assert.equal(decoder.bufferedBytes, 7);
  decoder.end(sink);
  assert.deepEqual(sink.events, lines("done", "partial"));
  assert.equal(decoder.bufferedBytes, 0);
  decoder.end(sink);
  assert.deepEqual(sink.events, lines("done", "partial"), "end() twice delivers nothing more");
});

Deno.test("line decoder: empty and whitespace-only lines are dropped, trailing space trimmed", () => {
  assertSplitInvariant(
    bytes("\n\r\n   \n\t\n  lead and trail \t \nx\x1b[0m\n\x1b[0m\n"),
    lines("  lead and trail", "x"),
  );
});

Deno.test("line decoder: multi-byte UTF-8 split at every position", () => {
  assertSplitInvariant(bytes("héllo wörld 😀 日本\n"), lines("héllo wörld 😀 日本"));
});

Deno.test("line decoder: invalid UTF-8 becomes U+FFFD", () => {
  assert.deepEqual(decode([bytes("a", 0xc3, "(b\n")]), lines("a\uFFFD(b"));
  assert.deepEqual(decode([bytes(0xf0, 0x9f, 0x98, "\n")]), lines("\uFFFD"));
  assert.deepEqual(decode([bytes("x", 0x80, 0xbf, "y\n")]), lines("x\uFFFD\uFFFDy"));
  // An overlong encoding of '/' must not turn into '/'.
  assert.deepEqual(decode([bytes(0xc0, 0xaf, "etc\n")]), lines("\uFFFD\uFFFDetc"));
});

Deno.test("line decoder: IAC IAC is one 0xFF data byte (invalid UTF-8 -> U+FFFD)", () => {
  assertSplitInvariant(bytes("a", IAC, IAC, "b\n"), lines("a\uFFFDb"));
});

Deno.test("line decoder: WILL is refused with DONT, DO with WONT, WONT/DONT never answered", () => {
  assertSplitInvariant(
    bytes(IAC, WILL, ECHO, IAC, DO, SGA, IAC, WONT, LINEMODE, IAC, DONT, TTYPE, "ok\n"),
    [
      ["reply", [IAC, DONT, ECHO]],
      ["reply", [IAC, WONT, SGA]],
      ["line", "ok"],
    ],
  );
});

Deno.test("line decoder: DO TIMING-MARK (telnet Ctrl-C) gets WONT TIMING-MARK", () => {
  // What Linux telnet sends on Ctrl-C with localchars: IAC IP IAC DO TM.
  assertSplitInvariant(bytes("half a li", IAC, IP, IAC, DO, TM, "next\r\n"), [
    ["command", "interrupt"],
    ["reply", [IAC, WONT, TM]],
    ["line", "next"],
  ]);
});

Deno.test("line decoder: repeated requests are answered each time (loop-safe, no amplification)", () => {
  const input = bytes(IAC, DO, TM, IAC, DO, TM, IAC, WILL, TM);
  const events = decode([input]);
  assert.deepEqual(events, [
    ["reply", [IAC, WONT, TM]],
    ["reply", [IAC, WONT, TM]],
    ["reply", [IAC, DONT, TM]],
  ]);
  const replied = events.reduce((n, e) => n + (e[0] === "reply" ? e[1].length : 0), 0);
  assert.ok(replied <= input.length);
});

Deno.test("line decoder: a telnet in BINARY mode sends UTF-8 as is, Enter as a bare LF", () => {
  // What GNU inetutils telnet sends after the server's IAC DO BINARY (recorded
  // with the real client): its agreement, then the typed text, byte for byte.
  const decoder = new LineDecoder();
  decoder.telnet.open();
  const sink = new Recorder();
  decoder.push(bytes(IAC, WILL, BINARY), sink);
  assert.equal(decoder.telnet.himState(BINARY), "yes");
  assert.equal(decoder.telnet.speaksTelnet, true);
  const typed = "привет всем, у меня всё хорошо\nΕλληνικά: σας ευχαριστώ\n日本語 한국어 👍🏽\n";
  for (const byte of bytes(typed)) decoder.push(Uint8Array.of(byte), sink);
  assert.deepEqual(
    sink.events,
    lines("привет всем, у меня всё хорошо", "Ελληνικά: σας ευχαριστώ", "日本語 한국어 👍🏽"),
  );
});

Deno.test("line decoder: answers to a probe reach onTimingMark, split at every position", () => {
  const input = bytes("a", IAC, WILL, TM, "b", IAC, WONT, TM, "c\n");
  const probed = (chunks: Uint8Array[]) => {
    const decoder = new LineDecoder();
    decoder.telnet.probe();
    decoder.telnet.probe();
    const sink = new Recorder();
    for (const chunk of chunks) decoder.push(chunk, sink);
    return sink.events;
  };
  const expected: Event[] = [["timing-mark"], ["timing-mark"], ["line", "abc"]];
  for (let p = 0; p <= input.length; p++) {
    assert.deepEqual(probed([input.subarray(0, p), input.subarray(p)]), expected, `split at ${p}`);
  }
});

Deno.test("line decoder: AYT is reported at most once per interval of the injected clock", () => {
  let now = 0;
  const decoder = new LineDecoder({ now: () => now, aytIntervalMs: 1000 });
  const sink = new Recorder();
  decoder.push(bytes(IAC, AYT, IAC, AYT, "x", IAC, AYT), sink);
  now = 999;
  decoder.push(bytes(IAC, AYT), sink);
  now = 1000;
  decoder.push(bytes(IAC, AYT, IAC, AYT, "\n"), sink);
  assert.deepEqual(sink.events, [
    ["command", "are-you-there"],
    ["command", "are-you-there"],
    ["line", "x"],
  ]);
});

Deno.test("line decoder: subnegotiation is skipped, including IAC IAC inside it", () => {
  assertSplitInvariant(
    bytes(
      "ab",
      IAC,
      SB,
      NAWS,
      0,
      80,
      IAC,
      IAC,
      24,
      IAC,
      SE,
      "c\n",
      IAC,
      SB,
      TTYPE,
      0,
      "xterm\n",
      IAC,
      SE,
      "d\n",
    ),
    lines("abc", "d"),
  );
});

Deno.test("line decoder: a command inside SB ends the subnegotiation (recovery)", () => {
  assert.deepEqual(decode([bytes(IAC, SB, TTYPE, "junk", IAC, DO, TM, "ok\n")]), [
    ["reply", [IAC, WONT, TM]],
    ["line", "ok"],
  ]);
});

Deno.test("line decoder: endless subnegotiation buffers nothing", () => {
  const decoder = new LineDecoder({ maxLineBytes: 64 });
  const sink = new Recorder();
  decoder.push(bytes("keep", IAC, SB, TTYPE), sink);
  const junk = new Uint8Array(65536).fill(0x41);
  for (let i = 0; i < 32; i++) {
    decoder.push(junk, sink);
    assert.equal(decoder.bufferedBytes, 4);
  }
  decoder.push(bytes(IAC, SE, "me\n"), sink);
  assert.deepEqual(sink.events, lines("keepme"));
});

Deno.test("line decoder: IAC EC erases one character, IAC EL the whole partial line", () => {
  assertSplitInvariant(bytes("abc", IAC, EC, "d\n"), lines("abd"));
  assertSplitInvariant(
    bytes("naïve😀", IAC, EC, IAC, EC, "!\n"),
    lines("naïv!"),
  );
  assertSplitInvariant(bytes("x", IAC, EC, IAC, EC, "y\n"), lines("y"));
  assertSplitInvariant(bytes("oops", IAC, EL, "fixed\n"), lines("fixed"));
});

Deno.test("line decoder: IP discards the partial line and reports interrupt", () => {
  assertSplitInvariant(bytes("rm -rf", IAC, IP, "\nnew\n"), [["command", "interrupt"], [
    "line",
    "new",
  ]]);
});

Deno.test("line decoder: AYT, AO, BRK are reported; NOP, DM, GA, stray SE ignored", () => {
  assertSplitInvariant(
    bytes(
      "a",
      IAC,
      AYT,
      "b",
      IAC,
      AO,
      IAC,
      BRK,
      IAC,
      NOP,
      IAC,
      DM,
      IAC,
      GA,
      IAC,
      SE,
      IAC,
      7,
      "c\n",
    ),
    [
      ["command", "are-you-there"],
      ["command", "abort-output"],
      ["command", "break"],
      ["line", "abc"],
    ],
  );
});

Deno.test("line decoder: a sink without onTelnetCommand is fine", () => {
  const got: string[] = [];
  const sink: LineSink = {
    onLine: (t) => got.push(t),
    onOversize: () => got.push("oversize"),
    onTelnetReply: () => got.push("reply"),
  };
  const decoder = new LineDecoder();
  decoder.push(bytes("x", IAC, IP, "y", IAC, AYT, "\n"), sink);
  assert.deepEqual(got, ["y"]);
});

Deno.test("line decoder: lines up to maxLineBytes pass, longer ones are reported once", () => {
  const opts = { maxLineBytes: 8 };
  assertSplitInvariant(bytes("12345678\n123456789\nok\n"), [
    ["line", "12345678"],
    ["oversize", 8],
    ["line", "ok"],
  ], opts);
  // The terminator is not counted; CRLF and bare CR behave the same.
  assertSplitInvariant(bytes("12345678\r\n123456789\rok\r\0"), [
    ["line", "12345678"],
    ["oversize", 8],
    ["line", "ok"],
  ], opts);
});

Deno.test("line decoder: escaped IAC bytes count toward the limit", () => {
  const eight = bytes(IAC, IAC, IAC, IAC, IAC, IAC, IAC, IAC, "1234\n");
  assertSplitInvariant(eight, [["line", "\uFFFD".repeat(4) + "1234"]], { maxLineBytes: 8 });
  assertSplitInvariant(bytes(IAC, IAC, "12345678\n"), [["oversize", 8]], { maxLineBytes: 8 });
});

Deno.test("line decoder: oversize line without a newline is reported at end()", () => {
  const decoder = new LineDecoder({ maxLineBytes: 100 });
  const sink = new Recorder();
  const chunk = new Uint8Array(1000).fill(0x61);
  for (let i = 0; i < 1000; i++) {
    decoder.push(chunk, sink);
    assert.ok(decoder.bufferedBytes <= 100, `buffered ${decoder.bufferedBytes}`);
  }
  assert.deepEqual(sink.events, []);
  decoder.end(sink);
  assert.deepEqual(sink.events, [["oversize", 100]]);
});

Deno.test("line decoder: buffer stays bounded when an oversize line is fed byte by byte", () => {
  const decoder = new LineDecoder({ maxLineBytes: 16 });
  const sink = new Recorder();
  for (let i = 0; i < 10_000; i++) {
    decoder.push(Uint8Array.of(0x30 + (i % 10)), sink);
    assert.ok(decoder.bufferedBytes <= 16);
  }
  decoder.push(bytes("\nafter\n"), sink);
  assert.deepEqual(sink.events, [["oversize", 16], ["line", "after"]]);
});

Deno.test("line decoder: default limit is 4096 bytes", () => {
  const ok = "x".repeat(4096);
  assert.deepEqual(decode([bytes(ok + "\n" + ok + "y\n")]), [["line", ok], ["oversize", 4096]]);
});

Deno.test("line decoder: IP cancels an oversize line without reporting it", () => {
  assert.deepEqual(decode([bytes("123456789", IAC, IP, "ok\n")], { maxLineBytes: 4 }), [
    ["command", "interrupt"],
    ["line", "ok"],
  ]);
});

Deno.test("line decoder: endless escape sequence is bounded by the line limit", () => {
  const decoder = new LineDecoder({ maxLineBytes: 32 });
  const sink = new Recorder();
  decoder.push(bytes("\x1b]0;"), sink);
  for (let i = 0; i < 1000; i++) {
    decoder.push(bytes("title"), sink);
    assert.ok(decoder.bufferedBytes <= 32);
  }
  decoder.push(bytes("\x07\nhi\n\x1b]0;t\nvisible\n"), sink);
  assert.deepEqual(sink.events, [["oversize", 32], ["line", "hi"], ["line", "visible"]]);
});

Deno.test("line decoder: ANSI sequences and controls are stripped, split at every position", () => {
  assertSplitInvariant(
    bytes("\x1b[1;31mred\x1b[0m \x1b]0;pwned\x07ok\x1b]8;;http://x\x1b\\link\x1b(B\x07\x00\x7f!\n"),
    lines("red oklin!"),
  );
});

Deno.test("line decoder: a realistic telnet session split at every position", () => {
  const input = bytes(
    [IAC, WILL, NAWS, IAC, WILL, TTYPE],
    [IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE],
    "/nick bob\r\n",
    "héllo ",
    [IAC, IAC],
    "\r\0",
    "x",
    [IAC, EC],
    "y\r",
    "\n",
  );
  assertSplitInvariant(input, [
    ["reply", [IAC, DONT, NAWS]],
    ["reply", [IAC, DONT, TTYPE]],
    ["line", "/nick bob"],
    ["line", "héllo \uFFFD"],
    ["line", "y"],
  ]);
});

Deno.test("line decoder: an incomplete IAC sequence at end() is dropped and state reset", () => {
  const decoder = new LineDecoder();
  const sink = new Recorder();
  decoder.push(bytes("abc", IAC), sink);
  decoder.end(sink);
  decoder.push(bytes(IAC, DO), sink);
  decoder.end(sink);
  decoder.push(bytes("fresh\n"), sink);
  assert.deepEqual(sink.events, lines("abc", "fresh"));
});

Deno.test("line decoder: many lines in one chunk keep their order", () => {
  const texts = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
  assert.deepEqual(decode([bytes(texts.join("\n") + "\n")]), lines(...texts));
});

Deno.test("line decoder: the sink may throw without corrupting the decoder", () => {
  const decoder = new LineDecoder();
  const got: string[] = [];
  let fail = true;
  const sink: LineSink = {
    onLine(t) {
      if (fail) {
        fail = false;
        throw new Error("boom");
      }
      got.push(t);
    },
    onOversize() {},
    onTelnetReply() {},
  };
  assert.throws(() => decoder.push(bytes("a\nb\n"), sink), /boom/);
  decoder.push(bytes("c\n"), sink);
  assert.deepEqual(got, ["c"]);
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("line decoder: byte order marks are removed wherever they appear", () => {
  assertSplitInvariant(bytes("\uFEFFhi\n\uFEFFthere\u{FEFF}!\n"), lines("hi", "there!"));
});

Deno.test("line decoder: random inputs give the same events however they are split", () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  // deno-fmt-ignore
  const pieces: number[][] = [
    [0x61], [0x62], [0x20], [10], [13], [0], [0x1b], [0x5b], [0x6d], [0xc3, 0xa9], [0xc3], [0xe2, 0x82],
    [IAC, IAC], [IAC, DO, TM], [IAC, WILL, ECHO], [IAC, EC], [IAC, EL], [IAC, IP], [IAC, SB, 1, 2],
    [IAC, SE], [IAC], [0x08],
  ];
  for (let round = 0; round < 300; round++) {
    const parts: number[] = [];
    const count = random(40);
    for (let k = 0; k < count; k++) parts.push(...(pieces[random(pieces.length)] as number[]));
    const input = Uint8Array.from(parts);
    const options = { maxLineBytes: 1 + random(12) };
    const expected = decode([input], options);
    const single = [...input].map((b) => Uint8Array.of(b));
    assert.deepEqual(decode(single, options), expected, `byte by byte: ${parts}`);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < input.length;) {
      const size = 1 + random(8);
      chunks.push(input.subarray(at, at + size));
      at += size;
    }
    assert.deepEqual(decode(chunks, options), expected, `random chunks: ${parts}`);
  }
});

Deno.test("line decoder: rejects a bad maxLineBytes", () => {
  assert.throws(() => new LineDecoder({ maxLineBytes: 0 }), RangeError);
  assert.throws(() => new LineDecoder({ maxLineBytes: 1.5 }), RangeError);
  assert.throws(() => new LineDecoder({ maxLineBytes: NaN }), RangeError);
});

Deno.test("sanitizeText: plain text is unchanged apart from trailing whitespace", () => {
  assert.equal(sanitizeText("hello, world"), "hello, world");
  assert.equal(sanitizeText("  indented  "), "  indented");
  assert.equal(sanitizeText("日本語 😀"), "日本語 😀");
  assert.equal(sanitizeText("\u00a0"), "");
});

Deno.test("sanitizeText: CSI sequences are removed whole", () => {
  assert.equal(sanitizeText("\x1b[31mred\x1b[0m"), "red");
  assert.equal(sanitizeText("a\x1b[2J\x1b[H\x1b[?25lb"), "ab");
  assert.equal(sanitizeText("\x1b[38;5;196mX"), "X");
  assert.equal(sanitizeText("a\u009b31mb"), "ab", "C1 CSI");
  assert.equal(sanitizeText("a\x1b["), "a", "unterminated at end");
  assert.equal(sanitizeText("a\x1b[12é"), "aé", "malformed CSI keeps the text after it");
});

Deno.test("sanitizeText: OSC, DCS and other control strings are removed whole", () => {
  assert.equal(sanitizeText("\x1b]0;evil title\x07text"), "text");
  assert.equal(sanitizeText("\x1b]52;c;ZXZpbA==\x1b\\text"), "text", "clipboard write");
  assert.equal(sanitizeText("\x1bPq#0;2;0;0;0\x1b\\ok"), "ok", "DCS / sixel");
  assert.equal(sanitizeText("\u009d0;t\u009cok"), "ok", "C1 OSC ... ST");
  assert.equal(sanitizeText("\x1b]0;never ends"), "");
  assert.equal(
    sanitizeText("\x1b]0;x\x1b[31mred"),
    "red",
    "ESC inside a string starts a new sequence",
  );
});

Deno.test("sanitizeText: other ESC sequences are removed", () => {
  assert.equal(sanitizeText("a\x1bcb"), "ab", "RIS");
  assert.equal(sanitizeText("a\x1b(0b"), "ab", "charset designation");
  assert.equal(sanitizeText("a\x1b#8b"), "ab", "DECALN");
  assert.equal(sanitizeText("a\x1b"), "a");
  assert.equal(sanitizeText("a\x1b\x1b[1mb"), "ab");
});

Deno.test("sanitizeText: controls removed, TAB to space, bidi controls removed", () => {
  assert.equal(sanitizeText("a\tb"), "a b");
  assert.equal(sanitizeText("a\x00\x01\x07\x0b\x0c\x0e\x1f\u0080\u0085\u0086b"), "ab");
  assert.equal(sanitizeText("a\u009fapc string\u009cb"), "ab", "C1 APC starts a control string");
  assert.equal(sanitizeText("a\u202eb\u202a\u202b\u202c\u202dc"), "abc");
  assert.equal(sanitizeText("x\u2066\u2067\u2068\u2069y"), "xy");
  // The whole U+2060-U+206F block is removed now (chat_sanitize_text_test.ts); its neighbours stay.
  assert.equal(sanitizeText("a\u205f\u2065\u206a\u2070b"), "a\u205f\u2070b", "neighbours are kept");
  assert.equal(sanitizeText("line\u0085"), "line");
});

Deno.test("sanitizeText: backspace and DEL erase the previous character", () => {
  assert.equal(sanitizeText("abc\bd"), "abd");
  assert.equal(sanitizeText("abc\x7f\x7fx"), "ax");
  assert.equal(sanitizeText("\b\bhi"), "hi");
  assert.equal(sanitizeText("a😀\bb"), "ab", "a surrogate pair is one character");
  assert.equal(sanitizeText("ab\x1b[31m\bc"), "ac");
});

Deno.test("sanitizeText: the result never contains a control character", () => {
  // deno-lint-ignore no-control-regex -- checking for control characters is the point
  const forbidden = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = [
    "\x1b",
    "[",
    "]",
    "\\",
    "\x07",
    "a",
    "1",
    ";",
    "\u009b",
    "\u009c",
    "\u009d",
    "\b",
    "\t",
    " ",
    "\u202e",
    "\x00",
    "\x7f",
    "P",
    "m",
  ];
  for (let n = 0; n < 2000; n++) {
    let s = "";
    const len = Math.floor(random() * 24);
    for (let k = 0; k < len; k++) s += alphabet[Math.floor(random() * alphabet.length)];
    const out = sanitizeText(s);
    assert.ok(!forbidden.test(out), JSON.stringify({ s, out }));
    assert.equal(out, out.trimEnd());
  }
});
