/**
 * No input may make the server send more than a small, fixed multiple of
 * it: adversarial telnet floods go through a real LineDecoder and every
 * byte it would make the server send is counted.
 */
import assert from "node:assert/strict";
import { LineDecoder, type LineSink } from "../../server/chat/line_decoder.ts";

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
const AYT = 246, IP = 244, EC = 247, NOP = 241;
const BINARY = 0, TM = 6;

/** More than the chat's AYT answer (`[echochat: yes]` CR LF) can ever be for a sane server name. */
const AYT_ANSWER_BYTES = 64;
const AYT_INTERVAL_MS = 5000;

/** Counts what the chat would send: negotiation replies plus one answer line per reported AYT. */
class OutputMeter implements LineSink {
  bytesOut = 0;
  ayts = 0;
  onLine(): void {}
  onOversize(): void {}
  onTelnetReply(bytes: Uint8Array): void {
    this.bytesOut += bytes.length;
  }
  onTelnetCommand(command: string): void {
    if (command === "are-you-there") {
      this.ayts++;
      this.bytesOut += AYT_ANSWER_BYTES;
    }
  }
}

/** A manual clock and a decoder on it that has sent its opening (as the chat does). */
function setup(): { decoder: LineDecoder; meter: OutputMeter; clock: { now: number } } {
  const clock = { now: 0 };
  const decoder = new LineDecoder({ now: () => clock.now, aytIntervalMs: AYT_INTERVAL_MS });
  decoder.telnet.open();
  return { decoder, meter: new OutputMeter(), clock };
}

function repeat(sequence: number[], times: number): Uint8Array {
  const out = new Uint8Array(sequence.length * times);
  for (let i = 0; i < times; i++) out.set(sequence, i * sequence.length);
  return out;
}

/** Feeds `input` in chunks of `chunkSize`, moving the clock `msPerChunk` after each. */
function feed(
  { decoder, meter, clock }: ReturnType<typeof setup>,
  input: Uint8Array,
  chunkSize: number,
  msPerChunk = 0,
): void {
  for (let at = 0; at < input.length; at += chunkSize) {
    decoder.push(input.subarray(at, at + chunkSize), meter);
    clock.now += msPerChunk;
  }
}

Deno.test("amplification: 200,000 AYTs at once get one answer", () => {
  const run = setup();
  const input = repeat([IAC, AYT], 200_000);
  feed(run, input, 65536);
  assert.equal(run.meter.ayts, 1);
  assert.ok(
    run.meter.bytesOut / input.length < 0.001,
    `ratio ${run.meter.bytesOut / input.length}`,
  );
});

Deno.test("amplification: AYTs spread over time get one answer per interval", () => {
  const run = setup();
  const input = repeat([IAC, AYT], 100_000);
  // 1,000 chunks of 100 AYTs, 100 ms apart: 99.9 s in all.
  feed(run, input, 200, 100);
  const elapsed = run.clock.now - 100;
  assert.ok(run.meter.ayts <= 1 + elapsed / AYT_INTERVAL_MS, `${run.meter.ayts} answers`);
  assert.ok(run.meter.ayts >= elapsed / AYT_INTERVAL_MS, "the answers keep coming, rate-limited");
  assert.ok(run.meter.bytesOut / input.length < 0.01, `ratio ${run.meter.bytesOut / input.length}`);
});

Deno.test("amplification: DO and WILL for every option get at most one byte out per byte in", () => {
  const run = setup();
  const sequence: number[] = [];
  for (let option = 0; option < 256; option++) sequence.push(IAC, DO, option, IAC, WILL, option);
  const input = repeat(sequence, 100);
  feed(run, input, 4096);
  assert.ok(run.meter.bytesOut <= input.length, `${run.meter.bytesOut} out for ${input.length} in`);
  // Requests for options that are on already (BINARY after the first round) are not answered.
  assert.ok(run.meter.bytesOut < input.length, "nothing answered twice");
});

Deno.test("amplification: alternating DO/DONT and WILL/WONT settle to half a byte out per byte in", () => {
  for (const [on, off] of [[DO, DONT], [WILL, WONT]]) {
    const run = setup();
    const input = repeat([IAC, on!, BINARY, IAC, off!, BINARY], 50_000);
    feed(run, input, 1000);
    assert.ok(
      run.meter.bytesOut <= input.length / 2 + 8 * 6,
      `${on}/${off}: ${run.meter.bytesOut}`,
    );
  }
});

Deno.test("amplification: a flood of DO TIMING-MARK is answered one for one, never more", () => {
  const run = setup();
  const input = repeat([IAC, DO, TM], 100_000);
  feed(run, input, 4096);
  assert.equal(run.meter.bytesOut, input.length);
});

Deno.test("amplification: random telnet garbage never gets more out than in, plus rate-limited AYTs", () => {
  let seed = 99;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  const verbs = [WILL, WONT, DO, DONT];
  const commands = [AYT, IP, EC, NOP];
  for (let round = 0; round < 20; round++) {
    const run = setup();
    const bytes: number[] = [];
    for (let k = 0; k < 20_000; k++) {
      const pick = random(10);
      if (pick < 5) bytes.push(IAC, verbs[random(4)]!, random(3) === 0 ? random(256) : random(8));
      else if (pick < 8) bytes.push(IAC, commands[random(4)]!);
      else if (pick < 9) bytes.push(IAC, SB, random(256), random(256), IAC, SE);
      else bytes.push(0x61 + random(26));
    }
    const input = Uint8Array.from(bytes);
    feed(run, input, 1 + random(512), random(50));
    const allowed = run.meter.ayts * AYT_ANSWER_BYTES;
    assert.ok(run.meter.ayts <= 1 + run.clock.now / AYT_INTERVAL_MS);
    assert.ok(
      run.meter.bytesOut - allowed <= input.length,
      `round ${round}: ${run.meter.bytesOut - allowed} reply bytes for ${input.length} in`,
    );
  }
});
