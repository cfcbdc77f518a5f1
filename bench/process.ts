/**
 * Child processes of the benchmark: spawned with a raised open-file limit and
 * optionally pinned to one CPU, their output kept, and every one of them
 * killed at the end, on error and on Ctrl-C.
 *
 * @module
 */
import { readLines } from "../tests/helpers/read_lines.ts";

/** How many output lines of a child are kept. */
const KEEP_LINES = 400;

/** A running child process started by {@link spawn}. */
export interface Child {
  /** Name for messages. */
  readonly name: string;
  /** Process id; with the `sh`/`taskset` wrapper this is the program itself (exec). */
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** True once the process has exited. */
  readonly hasExited: () => boolean;
  /** The last lines of stdout (and stderr, prefixed `! `). */
  readonly lines: () => string[];
  /** Resolves when stdout and stderr are fully read. */
  readonly drained: Promise<void>;
}

/** Options of {@link spawn}. */
export interface SpawnOptions {
  /** Pin with `taskset -c`, when given: one CPU (`0`) or a list (`"0-1"`). */
  readonly cpu?: number | string;
  /** Working directory. */
  readonly cwd?: string;
  /** Called for every stdout line as it arrives. */
  readonly onLine?: (line: string) => void;
}

const children = new Set<{ child: Deno.ChildProcess; done: () => boolean; name: string }>();

/**
 * Starts `argv` through `/bin/sh`, which raises the soft open-file limit to
 * the hard limit and then execs (so the pid stays the program's), optionally
 * through `taskset -c CPU`. The child is registered for {@link stopAll}.
 */
export function spawn(name: string, argv: readonly string[], options: SpawnOptions = {}): Child {
  const pin = options.cpu === undefined ? [] : ["taskset", "-c", String(options.cpu)];
  const command = new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'ulimit -n "$(ulimit -H -n)" 2>/dev/null; exec "$@"',
      "sh",
      ...pin,
      ...argv,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const child = command.spawn();
  let exited = false;
  const entry = { child, done: () => exited, name };
  children.add(entry);
  const kept: string[] = [];
  const keep = (line: string) => {
    kept.push(line);
    if (kept.length > KEEP_LINES) kept.shift();
  };
  const drained = Promise.all([
    readLines(child.stdout, (line) => {
      keep(line);
      options.onLine?.(line);
    }),
    readLines(child.stderr, (line) => keep(`! ${line}`)),
  ]).then(() => {});
  const status = child.status.then((s) => {
    exited = true;
    children.delete(entry);
    return s;
  });
  return {
    name,
    pid: child.pid,
    exited: status,
    hasExited: () => exited,
    lines: () => [...kept],
    drained,
  };
}

/**
 * Stops one child: SIGTERM, then SIGKILL if it is still alive after
 * `graceMs`. Resolves when it has exited.
 */
export async function stop(child: Child, graceMs = 1500): Promise<void> {
  if (child.hasExited()) return;
  signal(child.pid, "SIGTERM");
  const timer = new Promise<"timeout">((resolve) => {
    const id = setTimeout(() => resolve("timeout"), graceMs);
    child.exited.finally(() => clearTimeout(id));
  });
  if ((await Promise.race([child.exited, timer])) === "timeout") {
    signal(child.pid, "SIGKILL");
    await child.exited;
  }
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Kills every child still running (SIGKILL) and waits for them to exit. */
export async function stopAll(): Promise<void> {
  const left = [...children];
  for (const entry of left) {
    if (!entry.done()) signal(entry.child.pid, "SIGKILL");
  }
  await Promise.allSettled(left.map((entry) => entry.child.status));
}

/** Number of children still running (for the final check). */
export function runningCount(): number {
  return children.size;
}

/** Runs a command to completion and returns its exit code and output (for probes). */
export async function runQuiet(
  argv: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string } | null> {
  const [program, ...args] = argv;
  if (program === undefined) return null;
  try {
    const out = await new Deno.Command(program, { args, stdin: "null" }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch {
    return null; // not installed
  }
}
