/**
 * Starts the real program (`main.ts`) as a subprocess, the way a user does,
 * with exactly the permission flags that the `compile` task bakes into the
 * binary. Logs are JSON lines on stderr; the helper collects them so tests
 * can wait for and assert on them.
 */
import denoJson from "../../deno.json" with { type: "json" };
import { readLines } from "./read_lines.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The `--allow-*` and `--unstable-*` flags of the compile task: what the binary may do. */
export const COMPILE_PERMISSIONS: readonly string[] = denoJson.tasks.compile
  .split(/\s+/)
  .filter((word) => word.startsWith("--allow-") || word.startsWith("--unstable-"));

/** One parsed JSON log record. */
export type LogRecord = Record<string, unknown> & { message: string; level: string };

/** A running server process. */
export interface ServerProcess {
  /** The echo port, or `null` when the echo listener is off. */
  echoPort: number | null;
  /** The chat port, or `null` when the chat listener is off. */
  chatPort: number | null;
  /** The UDP echo port, or `null` when UDP echo is off. */
  udpPort: number | null;
  /** The HTTP side port, or `null` when it is off (pass `--http-port 0` to get one). */
  httpPort: number | null;
  /** The TLS echo port, or `null` when it is off (the default). */
  echoTlsPort: number | null;
  /** The TLS chat port, or `null` when it is off (the default). */
  chatTlsPort: number | null;
  /** Process id. */
  pid: number;
  /** Every log record so far. */
  readonly logs: LogRecord[];
  /** Resolves with the first record (past or future) that matches. */
  waitForLog(match: (record: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
  /** Sends a signal. */
  kill(signal?: Deno.Signal): void;
  /** Resolves with the exit status once the process has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Stops the process (SIGTERM, then SIGKILL) and waits for it. */
  close(): Promise<Deno.CommandStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** How {@link startServer} starts the program. */
export interface StartOptions {
  /** A command the program runs under, e.g. `["prlimit", "--nofile=64:64", "--"]`. */
  wrapper?: string[];
}

/** Runs `main.ts` with `args` and whatever it prints; for exit-code tests. */
export async function runProgram(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...COMPILE_PERMISSIONS, MAIN, ...args],
    env: { DENO_NO_UPDATE_CHECK: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Starts the server on 127.0.0.1 with the OS choosing free ports (unless
 * `args` say otherwise) and resolves once it logged that it listens.
 *
 * The per-address limits are off: every test client comes from 127.0.0.1,
 * so a test of 200 users would otherwise be one address over its limits.
 * Tests of those limits pass their own `--max-connections-per-ip` and
 * `--connection-rate` in `args` (the last value of a flag wins); the
 * environment cannot turn them back on.
 */
export async function startServer(
  args: string[] = [],
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<ServerProcess> {
  const wrapper = options.wrapper ?? [];
  const child = new Deno.Command(wrapper[0] ?? Deno.execPath(), {
    args: [
      ...wrapper.slice(1),
      ...(wrapper.length > 0 ? [Deno.execPath()] : []),
      "run",
      ...COMPILE_PERMISSIONS,
      MAIN,
      "--host",
      "127.0.0.1",
      "--echo-port",
      "0",
      "--chat-port",
      "0",
      "--log-format",
      "json",
      "--max-connections-per-ip",
      "0",
      "--connection-rate",
      "0",
      ...args,
    ],
    env: { DENO_NO_UPDATE_CHECK: "1", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();

  const logs: LogRecord[] = [];
  const waiters: { match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = [];
  const pump = readLines(child.stderr, (line) => {
    let record: LogRecord;
    try {
      record = JSON.parse(line);
    } catch {
      record = { level: "RAW", message: line };
    }
    logs.push(record);
    for (const waiter of [...waiters]) {
      if (waiter.match(record)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    }
  });
  const status = Promise.all([child.status, pump]).then(([s]) => s);

  const waitForLog = (match: (r: LogRecord) => boolean, timeoutMs = 10_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogRecord>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`No matching log line within ${timeoutMs} ms; logs:\n${dump(logs)}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (r: LogRecord) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      waiters.push(waiter);
      status.then(() => {
        if (waiters.includes(waiter)) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`The server exited before the log line came; logs:\n${dump(logs)}`));
        }
      });
    });
  };

  let started: LogRecord;
  try {
    started = await waitForLog((r) =>
      typeof r.message === "string" && r.message.includes("listening")
    );
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await status;
    throw error;
  }
  const portOf = (address: unknown) =>
    typeof address === "string" ? Number(address.slice(address.lastIndexOf(":") + 1)) : null;

  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
    }, 10_000);
    const result = await status;
    clearTimeout(timer);
    return result;
  };

  return {
    echoPort: portOf(started.echoAddress),
    chatPort: portOf(started.chatAddress),
    udpPort: portOf(started.udpAddress),
    httpPort: portOf(started.httpAddress),
    echoTlsPort: portOf(started.echoTlsAddress),
    chatTlsPort: portOf(started.chatTlsAddress),
    pid: child.pid,
    logs,
    waitForLog,
    kill: (signal: Deno.Signal = "SIGTERM") => child.kill(signal),
    status,
    close,
    async [Symbol.asyncDispose]() {
      await close();
    },
  };
}

function dump(logs: LogRecord[]): string {
  return logs.map((r) => JSON.stringify(r)).join("\n");
}
