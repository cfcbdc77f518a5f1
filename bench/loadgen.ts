/**
 * The C load generators (`bench/c/`): compiling them with gcc into a
 * temporary directory, running one, and parsing its `RESULT key=value` line.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { runQuiet, spawn, stop } from "./process.ts";

const C_DIR = fromFileUrl(new URL("./c/", import.meta.url));

/** Paths of the compiled tools. */
export interface Tools {
  /** Temporary directory holding the binaries (removed by {@link removeTools}). */
  readonly dir: string;
  /** Echo load generator (pingpong, stream, idle, churn, stuck, trickle). */
  readonly echoload: string;
  /** Chat load generator. */
  readonly chatload: string;
  /** C epoll echo server. */
  readonly epollEcho: string;
  /** `/proc` reader (see procstat.ts). */
  readonly procstat: string;
  /** `gcc --version`, first line. */
  readonly gccVersion: string;
}

/**
 * Compiles `bench/c/*.c` with `gcc -O2` into a new temporary directory.
 * Throws a message that says what to install when gcc is missing.
 */
export async function buildTools(): Promise<Tools> {
  const gcc = await runQuiet(["gcc", "--version"]);
  if (gcc === null || gcc.code !== 0) {
    throw new Error(
      "gcc is required: the load generators and the C reference server are compiled " +
        "from bench/c/*.c (install it with e.g. `apt-get install gcc`)",
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "echochat-bench-" });
  const names = ["echoload", "chatload", "epoll_echo", "procstat"] as const;
  const results = await Promise.all(names.map(async (name) => {
    const out = join(dir, name);
    const r = await runQuiet([
      "gcc",
      "-O2",
      "-Wall",
      "-pthread",
      "-o",
      out,
      join(C_DIR, `${name}.c`),
      "-lm",
    ]);
    if (r === null || r.code !== 0) {
      throw new Error(`gcc failed on bench/c/${name}.c:\n${r?.stderr ?? ""}`);
    }
    return out;
  })).catch(async (error) => {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  });
  return {
    dir,
    echoload: results[0] as string,
    chatload: results[1] as string,
    epollEcho: results[2] as string,
    procstat: results[3] as string,
    gccVersion: gcc.stdout.split("\n")[0] ?? "gcc",
  };
}

/** Removes the temporary directory of the tools. */
export async function removeTools(tools: Tools): Promise<void> {
  await Deno.remove(tools.dir, { recursive: true }).catch(() => {});
}

/** Parses `RESULT a=1 b=x ...` into a map (the `RESULT` word excluded). */
export function parseResultLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of line.trim().split(/\s+/).slice(1)) {
    const eq = word.indexOf("=");
    if (eq > 0) out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

/** A finished load-generator run. */
export interface LoadRun {
  /** The parsed `RESULT` line. */
  readonly result: Record<string, string>;
  /** Every output line (stderr lines prefixed `! `). */
  readonly lines: string[];
}

/** Options of {@link runLoad}. */
export interface RunLoadOptions {
  /** CPU to pin the load generator to, if any. */
  readonly cpu?: number;
  /** Kill the run after this long. */
  readonly timeoutMs: number;
  /**
   * Called when the `READY` line arrives (all connected, window starting).
   * The run resolves only after the returned promise; if it rejects, the
   * run rejects with that error. `endWindow` ends the load generator's
   * window now (SIGUSR1), for runs whose `--duration` is only an upper bound
   * (a hold that lasts until a measurement is done) or that must stop early.
   */
  readonly onReady?: (line: string, endWindow: () => void) => Promise<void>;
}

/** Runs a load generator to the end and returns its `RESULT`. */
export async function runLoad(
  tool: string,
  args: readonly string[],
  options: RunLoadOptions,
): Promise<LoadRun> {
  let ready: Promise<void> = Promise.resolve();
  const name = tool.split("/").pop() ?? tool;
  const child = spawn(name, [tool, ...args], {
    ...(options.cpu === undefined ? {} : { cpu: options.cpu }),
    onLine: (line) => {
      if (line.startsWith("READY") && options.onReady !== undefined) {
        ready = options.onReady(line, () => {
          try {
            if (!child.hasExited()) Deno.kill(child.pid, "SIGUSR1");
          } catch {
            // it just exited
          }
        });
        ready.catch(() => {}); // observed below
      }
    },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop(child, 200);
  }, options.timeoutMs);
  const status = await child.exited;
  clearTimeout(timer);
  await child.drained;
  await ready;
  const lines = child.lines();
  const last = lines.findLast((l) => l.startsWith("RESULT "));
  if (timedOut) throw new Error(`${name} did not finish within ${options.timeoutMs / 1000} s`);
  if (!status.success || last === undefined) {
    throw new Error(
      `${name} ${args.join(" ")} failed (exit ${status.code}):\n  ${lines.slice(-10).join("\n  ")}`,
    );
  }
  return { result: parseResultLine(last), lines };
}

/** Reads a numeric field of a `RESULT` map; NaN when missing. */
export function num(result: Record<string, string>, key: string): number {
  const value = result[key];
  return value === undefined ? Number.NaN : Number(value);
}

/**
 * Lists the counters of `result` among `keys` that are not zero, as
 * `key=value`; empty when the run was clean. A missing key is not an error.
 */
export function nonZero(result: Record<string, string>, keys: readonly string[]): string[] {
  return keys.filter((k) => result[k] !== undefined && Number(result[k]) !== 0).map((k) =>
    `${k}=${result[k]}`
  );
}
