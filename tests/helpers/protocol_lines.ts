/**
 * What every line the chat sends a user looks like (README, "The chat
 * protocol"): the check the fault test and the soak apply to each byte a
 * user receives.
 */

/** Shapes of every line a user can be sent by others or in answer to its own commands. */
export const LINE_SHAPES: readonly RegExp[] = [
  /^Welcome to echochat \S+! \d+ (person|people) online\.$/,
  /^You are guest-\d+, in #lobby\. /,
  /^After \S+ without input /,
  /^\* /,
  /^! /,
  /^\[[A-Za-z0-9_-]{1,24}\] <[A-Za-z0-9_-]{1,24}> /,
  /^\[[A-Za-z0-9_-]{1,24}\] \* [A-Za-z0-9_-]{1,24} /,
  /^\[private\] <[A-Za-z0-9_-]{1,24}> /,
];
/** A replayed line of a room's history, sent on /join: `[room] HH:MM <nick> text`. */
export const HISTORY_LINE =
  /^\[[A-Za-z0-9_-]{1,24}\] \d\d:\d\d (<[A-Za-z0-9_-]{1,24}>|\* [A-Za-z0-9_-]{1,24}) /;
/** C0 controls, DEL, C1 controls, and the invisible characters that are always removed. */
export const FORBIDDEN =
  // deno-lint-ignore no-control-regex -- finding control characters is the point
  /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;
