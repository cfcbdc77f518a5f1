import assert from "node:assert/strict";
import {
  type QSend,
  type QState,
  receiveNegative,
  receivePositive,
  request,
} from "../../server/chat/telnet_q_method.ts";

type Row = [QState, QState, QSend];

Deno.test("Q method: receiving the positive verb follows RFC 1143 section 7", () => {
  const accepting: Row[] = [
    ["no", "yes", "positive"],
    ["yes", "yes", null],
    ["wantno", "no", null],
    ["wantno-opposite", "yes", null],
    ["wantyes", "yes", null],
    ["wantyes-opposite", "wantno", "negative"],
  ];
  for (const [from, state, send] of accepting) {
    assert.deepEqual(receivePositive(from, true), { state, send }, `${from}, accepting`);
  }
  // Refusing only changes the answer in state "no"; elsewhere we asked ourselves.
  assert.deepEqual(receivePositive("no", false), { state: "no", send: "negative" });
  for (const [from, state, send] of accepting.slice(1)) {
    assert.deepEqual(receivePositive(from, false), { state, send }, `${from}, refusing`);
  }
});

Deno.test("Q method: receiving the negative verb follows RFC 1143 section 7", () => {
  const rows: Row[] = [
    ["no", "no", null],
    ["yes", "no", "negative"],
    ["wantno", "no", null],
    ["wantno-opposite", "wantyes", "positive"],
    ["wantyes", "no", null],
    ["wantyes-opposite", "no", null],
  ];
  for (const [from, state, send] of rows) {
    assert.deepEqual(receiveNegative(from), { state, send }, from);
  }
});

Deno.test("Q method: our own wishes send at most one request and queue the rest", () => {
  const enable: Row[] = [
    ["no", "wantyes", "positive"],
    ["yes", "yes", null],
    ["wantno", "wantno-opposite", null],
    ["wantno-opposite", "wantno-opposite", null],
    ["wantyes", "wantyes", null],
    ["wantyes-opposite", "wantyes", null],
  ];
  const disable: Row[] = [
    ["no", "no", null],
    ["yes", "wantno", "negative"],
    ["wantno", "wantno", null],
    ["wantno-opposite", "wantno", null],
    ["wantyes", "wantyes-opposite", null],
    ["wantyes-opposite", "wantyes-opposite", null],
  ];
  for (const [from, state, send] of enable) {
    assert.deepEqual(request(from, true), { state, send }, `enable from ${from}`);
  }
  for (const [from, state, send] of disable) {
    assert.deepEqual(request(from, false), { state, send }, `disable from ${from}`);
  }
});

type Verb = "will" | "wont" | "do" | "dont";
const VERBS: readonly Verb[] = ["will", "wont", "do", "dont"];

/**
 * One end of a simulated connection, negotiating one option on both sides.
 * A `q` peer follows the Q method; a `random` peer ignores what it gets and
 * sends random verbs, like a fuzzer or a broken client.
 */
class Peer {
  us: QState = "no";
  him: QState = "no";
  inbox: Verb[] = [];
  sent = 0;
  received = 0;
  requests = 0;
  constructor(
    readonly kind: "q" | "random",
    readonly acceptUs: boolean,
    readonly acceptHim: boolean,
  ) {}
}

/** Runs random wishes on both peers until quiet; fails if the exchange never ends. */
function simulate(a: Peer, b: Peer, wishes: number, random: (n: number) => number): void {
  const other = (p: Peer) => (p === a ? b : a);
  const send = (from: Peer, verb: Verb) => {
    other(from).inbox.push(verb);
    from.sent++;
  };
  const sideSend = (from: Peer, side: "us" | "him", what: QSend) => {
    if (what === "positive") send(from, side === "us" ? "will" : "do");
    else if (what === "negative") send(from, side === "us" ? "wont" : "dont");
  };
  let steps = 0;
  while (wishes > 0 || a.inbox.length > 0 || b.inbox.length > 0) {
    assert.ok(++steps < 10_000, `negotiation between ${a.kind} and ${b.kind} never settled`);
    const peer = random(2) === 0 ? a : b;
    const side = random(2) === 0 ? "us" : "him";
    if (wishes > 0 && random(3) === 0) {
      wishes--;
      peer.requests++;
      if (peer.kind === "random") {
        send(peer, VERBS[random(4)]!);
        continue;
      }
      const step = request(peer[side], random(2) === 0);
      peer[side] = step.state;
      sideSend(peer, side, step.send);
      continue;
    }
    const verb = peer.inbox.shift();
    if (verb === undefined) continue;
    peer.received++;
    if (peer.kind === "random") continue;
    const mine = verb === "will" || verb === "wont" ? "him" : "us";
    const accept = mine === "us" ? peer.acceptUs : peer.acceptHim;
    const step = verb === "will" || verb === "do"
      ? receivePositive(peer[mine], accept)
      : receiveNegative(peer[mine]);
    peer[mine] = step.state;
    sideSend(peer, mine, step.send);
  }
}

Deno.test("Q method: two Q peers never loop and always agree, whatever they ask and allow", () => {
  let seed = 1143;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  for (let round = 0; round < 2000; round++) {
    const a = new Peer("q", random(2) === 1, random(2) === 1);
    const b = new Peer("q", random(2) === 1, random(2) === 1);
    simulate(a, b, 10 + random(20), random);
    for (const [p, q] of [[a, b], [b, a]] as const) {
      // Every message is a wish or the single answer to one (a queued wish counts as a wish).
      assert.ok(p.sent <= p.requests + q.requests, `${p.sent} messages for its part`);
      assert.ok(p.us === "yes" || p.us === "no", `settled in ${p.us}`);
      assert.equal(p.us, q.him, "both ends agree on each side");
    }
  }
});

Deno.test("Q method: against random verbs it sends at most one message per message received", () => {
  let seed = 854;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  for (let round = 0; round < 2000; round++) {
    const q = new Peer("q", random(2) === 1, random(2) === 1);
    const fuzzer = new Peer("random", false, false);
    simulate(q, fuzzer, 10 + random(40), random);
    assert.ok(q.sent <= q.requests + q.received, `${q.sent} > ${q.requests} + ${q.received}`);
  }
});
