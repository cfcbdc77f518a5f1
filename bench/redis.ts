/**
 * A real `redis-server` for the redis-chat scenario: Debian's binary on a
 * free loopback port, with no persistence (see `ephemeralRedisArgs`), so
 * every run starts empty and writes nothing to disk. Started through
 * `process.ts`, so it is killed with everything else on an error or Ctrl-C.
 *
 * @module
 */
import { freePorts, waitForPort } from "./net.ts";
import { type Child, runQuiet, spawn, stop } from "./process.ts";
import { ephemeralRedisArgs } from "../tests/helpers/redis_server.ts";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 10_000;

/** A running Redis. */
export interface RunningRedis {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT/0`, for echochat's `--redis`. */
  readonly url: string;
  /** Process id, for `/proc`. */
  readonly pid: number;
  /** Stops it (SIGTERM, then SIGKILL) and waits until it is gone. */
  readonly stop: () => Promise<void>;
  /** Its last output lines. */
  readonly output: () => string[];
  /** True once it has exited. */
  readonly exited: () => boolean;
}

/** `redis-server --version`, or `null` when it is not installed. */
export async function redisVersion(): Promise<string | null> {
  const r = await runQuiet(["redis-server", "--version"]);
  if (r === null || r.code !== 0) return null;
  return /v=(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

/**
 * Starts `redis-server` on a free port (pinned to `cpu` when given) and
 * resolves once it accepts connections. Throws, with its output, if it
 * exits or does not accept within 10 s.
 */
export async function startRedis(cpu?: number | string): Promise<RunningRedis> {
  const [port] = freePorts(1) as [number];
  const argv = ["redis-server", ...ephemeralRedisArgs(port), "--loglevel", "warning"];
  const child: Child = spawn("redis-server", argv, cpu === undefined ? {} : { cpu });
  const gone = () =>
    child.hasExited()
      ? `redis-server exited before accepting connections:\n  ${child.lines().join("\n  ")}`
      : null;
  try {
    await waitForPort(HOST, port, READY_TIMEOUT_MS, gone);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return {
    port,
    url: `redis://${HOST}:${port}/0`,
    pid: child.pid,
    stop: () => stop(child),
    output: () => child.lines(),
    exited: () => child.hasExited(),
  };
}
