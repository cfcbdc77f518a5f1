/**
 * Telnet option negotiation by the "Q method" of RFC 1143: the state of one
 * side of one option, and what to send when a request arrives or when we
 * want the option changed.
 *
 * Why this and not "answer every request": RFC 854's rules let two peers
 * answer each other forever, and a naive server answers a flood of requests
 * one for one whatever its state. The Q method remembers what it asked for,
 * so it never loops, never answers an answer, and sends at most one reply
 * per request received.
 *
 * The same functions serve both sides of an option: for the peer's side
 * (`him`), "positive" is WILL received / DO sent and "negative" is WONT
 * received / DONT sent; for our side (`us`), "positive" is DO received /
 * WILL sent and "negative" is DONT received / WONT sent.
 *
 * @module
 */

/**
 * RFC 1143 state of one side of one option. `wantno`/`wantyes` mean we
 * asked and await the answer; the `-opposite` forms mean that, meanwhile,
 * we changed our mind (the queue bit), so the opposite request follows the
 * answer.
 */
export type QState =
  | "no"
  | "yes"
  | "wantno"
  | "wantno-opposite"
  | "wantyes"
  | "wantyes-opposite";

/** What a transition sends: the positive verb, the negative verb, or nothing. */
export type QSend = "positive" | "negative" | null;

/** One transition: the next state and what to send. */
export interface QStep {
  /** State after the event. */
  readonly state: QState;
  /** Request or reply to send, if any. */
  readonly send: QSend;
}

const step = (state: QState, send: QSend = null): QStep => ({ state, send });

/**
 * The peer sent the positive verb (WILL for his side, DO for ours).
 * `accept` says whether we allow the option on; a refusal in state `no`
 * sends the negative verb, as RFC 1143 requires, so the peer stops waiting.
 */
export function receivePositive(state: QState, accept: boolean): QStep {
  switch (state) {
    case "no":
      return accept ? step("yes", "positive") : step("no", "negative");
    case "yes":
      return step("yes");
    case "wantno":
      // Error: our negative request was answered positively. Accept the fact.
      return step("no");
    case "wantno-opposite":
      return step("yes");
    case "wantyes":
      return step("yes");
    case "wantyes-opposite":
      return step("wantno", "negative");
  }
}

/** The peer sent the negative verb (WONT for his side, DONT for ours). */
export function receiveNegative(state: QState): QStep {
  switch (state) {
    case "no":
      return step("no");
    case "yes":
      return step("no", "negative");
    case "wantno":
      return step("no");
    case "wantno-opposite":
      return step("wantyes", "positive");
    case "wantyes":
      return step("no");
    case "wantyes-opposite":
      return step("no");
  }
}

/**
 * We want the option on (`enable`) or off. While a request of ours is
 * pending, the wish is queued (the `-opposite` states) instead of sent, so
 * there is never more than one request of ours in flight per option.
 * Wishes that are already satisfied or already queued change nothing.
 */
export function request(state: QState, enable: boolean): QStep {
  if (enable) {
    switch (state) {
      case "no":
        return step("wantyes", "positive");
      case "wantno":
        return step("wantno-opposite");
      case "wantyes-opposite":
        return step("wantyes");
      default:
        return step(state);
    }
  }
  switch (state) {
    case "yes":
      return step("wantno", "negative");
    case "wantyes":
      return step("wantyes-opposite");
    case "wantno-opposite":
      return step("wantno");
    default:
      return step(state);
  }
}
