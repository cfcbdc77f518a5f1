import assert from "node:assert/strict";
import {
  type NegotiationSink,
  TelnetNegotiator,
  type TelnetNegotiatorOptions,
} from "../../server/chat/telnet_negotiator.ts";

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251;
const BINARY = 0, ECHO = 1, SGA = 3, TM = 6, NAWS = 31;

/** Records replies and probe answers. */
class Recorder implements NegotiationSink {
  replies: number[][] = [];
  timingMarks = 0;
  onTelnetReply(bytes: Uint8Array): void {
    this.replies.push([...bytes]);
  }
  onTimingMark(): void {
    this.timingMarks++;
  }
}

/** A negotiator that has sent its opening, and a recorder for it. */
function opened(options: TelnetNegotiatorOptions = {}): [TelnetNegotiator, Recorder] {
  const telnet = new TelnetNegotiator(options);
  telnet.open();
  return [telnet, new Recorder()];
}

Deno.test("telnet: the opening asks for BINARY input, then erases the line, once", () => {
  const telnet = new TelnetNegotiator();
  assert.deepEqual([...telnet.open()], [IAC, DO, BINARY, 0x0d, 0x1b, 0x5b, 0x4b]);
  assert.equal(telnet.himState(BINARY), "wantyes");
  assert.equal(telnet.usState(BINARY), "no", "the server does not offer to send BINARY");
  assert.deepEqual([...telnet.open()], [], "a second call sends nothing");
});

Deno.test("telnet: real telnet's answer (WILL BINARY) turns BINARY input on, unanswered", () => {
  const [telnet, sink] = opened();
  assert.equal(telnet.speaksTelnet, false);
  telnet.receive(WILL, BINARY, sink);
  assert.equal(telnet.himState(BINARY), "yes");
  assert.equal(telnet.speaksTelnet, true);
  assert.deepEqual(sink.replies, [], "an answer is never answered");
  telnet.receive(WILL, BINARY, sink);
  assert.deepEqual(sink.replies, [], "nor is a repeated WILL for an option already on");
});

Deno.test("telnet: a client that refuses BINARY is left alone", () => {
  const [telnet, sink] = opened();
  telnet.receive(WONT, BINARY, sink);
  assert.equal(telnet.himState(BINARY), "no");
  assert.equal(telnet.speaksTelnet, true);
  assert.deepEqual(sink.replies, []);
});

Deno.test("telnet: the client may switch BINARY input off and on again", () => {
  const [telnet, sink] = opened();
  telnet.receive(WILL, BINARY, sink);
  telnet.receive(WONT, BINARY, sink);
  assert.equal(telnet.himState(BINARY), "no");
  telnet.receive(WILL, BINARY, sink);
  assert.equal(telnet.himState(BINARY), "yes");
  assert.deepEqual(sink.replies, [[IAC, DONT, BINARY], [IAC, DO, BINARY]]);
});

Deno.test("telnet: BINARY output is agreed when the client asks, and only acknowledged on change", () => {
  const [telnet, sink] = opened();
  telnet.receive(DO, BINARY, sink);
  assert.equal(telnet.usState(BINARY), "yes");
  telnet.receive(DO, BINARY, sink);
  telnet.receive(DONT, BINARY, sink);
  assert.equal(telnet.usState(BINARY), "no");
  telnet.receive(DONT, BINARY, sink);
  assert.deepEqual(sink.replies, [[IAC, WILL, BINARY], [IAC, WONT, BINARY]]);
});

Deno.test("telnet: every other option is refused each time it is offered; refusals are not answered", () => {
  const [telnet, sink] = opened();
  for (const option of [ECHO, SGA, NAWS, 200, 255]) {
    telnet.receive(WILL, option, sink);
    telnet.receive(DO, option, sink);
    telnet.receive(WONT, option, sink);
    telnet.receive(DONT, option, sink);
    assert.equal(telnet.himState(option), "no");
    assert.equal(telnet.usState(option), "no");
  }
  telnet.receive(WILL, ECHO, sink);
  assert.deepEqual(sink.replies, [
    ...[ECHO, SGA, NAWS, 200, 255].flatMap((o) => [[IAC, DONT, o], [IAC, WONT, o]]),
    [IAC, DONT, ECHO],
  ]);
});

Deno.test("telnet: a client that keeps flipping BINARY is refused after 8 times on", () => {
  const [telnet, sink] = opened();
  for (let i = 0; i < 20; i++) {
    telnet.receive(DO, BINARY, sink);
    telnet.receive(DONT, BINARY, sink);
  }
  const wills = sink.replies.filter((r) => r[1] === WILL).length;
  const refusals = sink.replies.filter((r) => r[1] === WONT).length;
  assert.equal(wills, 8);
  assert.equal(refusals, 8 + 12, "8 acknowledged DONTs, then 12 refused DOs");
  assert.equal(telnet.usState(BINARY), "no");
});

Deno.test("telnet: Ctrl-C's DO TIMING-MARK is answered every time, so telnet never waits", () => {
  const [telnet, sink] = opened();
  telnet.receive(DO, TM, sink);
  telnet.receive(DO, TM, sink);
  telnet.receive(DONT, TM, sink);
  assert.deepEqual(sink.replies, [[IAC, WONT, TM], [IAC, WONT, TM]]);
  assert.equal(sink.timingMarks, 0);
});

Deno.test("telnet: a probe is IAC DO TIMING-MARK, and each answer is reported once", () => {
  const [telnet, sink] = opened();
  assert.deepEqual([...telnet.probe()], [IAC, DO, TM]);
  assert.deepEqual([...telnet.probe()], [IAC, DO, TM]);
  assert.equal(telnet.probesPending, 2);
  telnet.receive(WILL, TM, sink); // what netkit and inetutils telnet answer
  assert.equal(sink.timingMarks, 1);
  telnet.receive(WONT, TM, sink); // what a client that does not support it answers
  assert.equal(sink.timingMarks, 2);
  assert.equal(telnet.probesPending, 0);
  assert.deepEqual(sink.replies, [], "answers to probes are not answered");
  // Without an outstanding probe, WILL TM is an offer and is refused; WONT TM is ignored.
  telnet.receive(WILL, TM, sink);
  telnet.receive(WONT, TM, sink);
  assert.equal(sink.timingMarks, 2);
  assert.deepEqual(sink.replies, [[IAC, DONT, TM]]);
});

Deno.test("telnet: a probe alone does not make a client a telnet; its answer does", () => {
  const [telnet, sink] = opened();
  telnet.probe();
  assert.equal(telnet.speaksTelnet, false);
  telnet.receive(WONT, TM, sink);
  assert.equal(telnet.speaksTelnet, true);
});

Deno.test("telnet: any negotiation shows the client speaks telnet, even a refusal", () => {
  for (const verb of [WILL, WONT, DO, DONT]) {
    const [telnet, sink] = opened();
    telnet.receive(verb, NAWS, sink);
    assert.equal(telnet.speaksTelnet, true, `verb ${verb}`);
  }
});

Deno.test("telnet: AYT is allowed once per interval, on the injected clock", () => {
  let now = 1000;
  const telnet = new TelnetNegotiator({ now: () => now, aytIntervalMs: 5000 });
  assert.equal(telnet.allowAreYouThere(), true);
  assert.equal(telnet.allowAreYouThere(), false);
  now += 4999;
  assert.equal(telnet.allowAreYouThere(), false);
  now += 1;
  assert.equal(telnet.allowAreYouThere(), true);
  now += 60_000;
  assert.equal(telnet.allowAreYouThere(), true, "a quiet minute allows one, not twelve");
  assert.equal(telnet.allowAreYouThere(), false);
});

Deno.test("telnet: rejects a bad aytIntervalMs", () => {
  assert.throws(() => new TelnetNegotiator({ aytIntervalMs: 0 }), RangeError);
  assert.throws(() => new TelnetNegotiator({ aytIntervalMs: -1 }), RangeError);
  assert.throws(() => new TelnetNegotiator({ aytIntervalMs: NaN }), RangeError);
});
