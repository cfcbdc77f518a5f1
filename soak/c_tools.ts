/**
 * The C load generators of `bench/c/` where they fit a soak: `chatload`
 * for a busy room whose every line is verified (lost, reordered, corrupt),
 * and `echoload --mode trickle` for slow typists on the chat port (a letter
 * every 2-3 s, never Enter). Both run for a fixed window and print one
 * `RESULT` line.
 *
 * @module
 */
import { parseResultLine, type Tools } from "../bench/loadgen.ts";
import { type Child, spawn, stop } from "../bench/process.ts";
import { CHAT_ERROR_KEYS, ECHO_ERROR_KEYS } from "../bench/scenario_kit.ts";

/** A running load generator. */
export interface ToolRun {
  readonly name: string;
  /** Resolves at its `READY` line (connected and settled); rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves with its `RESULT` fields once it exited; rejects if it failed. */
  readonly result: Promise<Record<string, string>>;
  /** Kills it (for an early stop). */
  stop(): Promise<void>;
}

/** Live count of chat lines delivered in the busy room (from `--progress` ticks). */
export interface BusyRoomFigures {
  delivered: number;
}

function run(
  name: string,
  argv: string[],
  onLine: (line: string) => void = () => {},
): ToolRun {
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => readyResolve = resolve);
  const child: Child = spawn(name, argv, {
    onLine: (line) => {
      if (line.startsWith("READY")) readyResolve();
      onLine(line);
    },
  });
  const result = (async () => {
    const status = await child.exited;
    await child.drained;
    const lines = child.lines();
    const last = lines.findLast((l) => l.startsWith("RESULT "));
    if (!status.success || last === undefined) {
      throw new Error(`${name} failed (exit ${status.code}):\n  ${lines.slice(-8).join("\n  ")}`);
    }
    return parseResultLine(last);
  })();
  const readyOrExit = Promise.race([
    ready,
    result.then(() => {
      throw new Error(`${name} ended before it was ready`);
    }),
  ]);
  readyOrExit.catch(() => {});
  result.catch(() => {});
  return { name, ready: readyOrExit, result, stop: () => stop(child, 500) };
}

/**
 * A busy room, `#busy`: `conns` users who all talk, `rate` lines per second
 * each, for `durationS` seconds; every line checked at every receiver.
 */
export function busyRoom(
  tools: Tools,
  port: number,
  conns: number,
  rate: number,
  durationS: number,
  figures: BusyRoomFigures,
): ToolRun {
  return run("chatload", [
    tools.chatload,
    "--port",
    String(port),
    "--conns",
    String(conns),
    "--senders",
    String(conns),
    "--rate",
    String(rate),
    "--size",
    "64",
    "--duration",
    String(durationS),
    "--setup",
    "/nick busy%d\\n/join #busy\\n",
    "--need-banner",
    "--connect-concurrency",
    "16",
    "--progress",
  ], (line) => {
    const delivered = /^TICK .*delivered=(\d+)/.exec(line)?.[1];
    if (delivered !== undefined) figures.delivered += Number(delivered);
  });
}

/** Counters of a `chatload` result that must be zero (the bench's list). */
export const BUSY_ROOM_ERROR_KEYS: readonly string[] = CHAT_ERROR_KEYS;

/** `conns` slow typists in the lobby for `durationS` seconds. */
export function slowTypists(tools: Tools, port: number, conns: number, durationS: number): ToolRun {
  return run("echoload", [
    tools.echoload,
    "--port",
    String(port),
    "--mode",
    "trickle",
    "--conns",
    String(conns),
    "--duration",
    String(durationS),
    "--trickle-min",
    "2",
    "--trickle-max",
    "3",
    "--need-banner",
    "--connect-rate",
    "2000",
  ]);
}

/** Counters of an `echoload --mode trickle` result that must be zero. */
export const TYPIST_ERROR_KEYS: readonly string[] = [
  "connect_failed",
  "connect_timeout",
  "closed_by_server",
  "io_errors",
  "errors",
  "settle_timed_out",
];

/**
 * A short burst of `echoload` churn at full speed (20 slots: connect, one
 * verified echo, close). It takes the server's memory to its working size
 * in seconds; the paced load alone takes about a minute to get there (the
 * allocator's doing, not a leak: RSS stays flat after it).
 */
export function burst(tools: Tools, port: number, durationS: number): ToolRun {
  return run("echoload churn", [
    tools.echoload,
    "--port",
    String(port),
    "--duration",
    String(durationS),
    "--mode",
    "churn",
    "--conns",
    "20",
  ]);
}

/** Counters of an `echoload` churn result that must be zero (the bench's list). */
export const BURST_ERROR_KEYS: readonly string[] = ECHO_ERROR_KEYS;
