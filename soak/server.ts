/**
 * The echochat process a soak runs against: started on free loopback
 * ports with its default settings, logging warnings and errors as JSON,
 * every one of which the soak counts.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { COMPILE_PERMISSIONS } from "../tests/helpers/server_process.ts";
import { readLines } from "../tests/helpers/read_lines.ts";
import { freePorts, waitForPort } from "../bench/net.ts";

const MAIN_TS = fileURLToPath(new URL("../main.ts", import.meta.url));
const HOST = "127.0.0.1";
/** Log records above info that are kept for the report (all are counted). */
const KEPT_RECORDS = 20;

/** A running echochat. */
export interface SoakServer {
  readonly pid: number;
  readonly echoPort: number;
  readonly chatPort: number;
  /** The command line, for the report. */
  readonly argv: readonly string[];
  /** Log records at warning or above (and stderr lines that are not JSON), counted. */
  readonly loud: { count: number; first: string[] };
  /** True once the process has exited. */
  exited(): boolean;
  /** SIGTERM, then waits (at most `timeoutMs`, then SIGKILL); resolves with the exit code. */
  stop(timeoutMs: number): Promise<number>;
}

/**
 * Starts `main.ts` with exactly the compile task's permissions on two free
 * ports and resolves once both accept connections.
 */
export async function startSoakServer(): Promise<SoakServer> {
  const [echoPort, chatPort] = freePorts(2) as [number, number];
  const argv = [
    "run",
    ...COMPILE_PERMISSIONS,
    MAIN_TS,
    "--host",
    HOST,
    "--echo-port",
    String(echoPort),
    "--chat-port",
    String(chatPort),
    "--log-level",
    "warning",
    "--log-format",
    "json",
    // Every soak client comes from 127.0.0.1: per-address limits would refuse the load itself.
    "--max-connections-per-ip",
    "0",
    "--connection-rate",
    "0",
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: argv,
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let done = false;
  const loud = { count: 0, first: [] as string[] };
  const logs = readLines(child.stderr, (line) => {
    if (line.trim() === "") return;
    loud.count++; // --log-level warning: every line is a warning, an error or a crash
    if (loud.first.length < KEPT_RECORDS) loud.first.push(line.slice(0, 500));
  });
  const status = Promise.all([child.status, logs]).then(([s]) => {
    done = true;
    return s;
  });
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
  };
  try {
    const gone = () => (done ? `echochat exited at startup:\n${loud.first.join("\n")}` : null);
    await waitForPort(HOST, echoPort, 20_000, gone);
    await waitForPort(HOST, chatPort, 20_000, gone);
  } catch (error) {
    kill("SIGKILL");
    await status;
    throw error;
  }
  return {
    pid: child.pid,
    echoPort,
    chatPort,
    argv: ["deno", ...argv],
    loud,
    exited: () => done,
    async stop(timeoutMs: number) {
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), timeoutMs);
      const s = await status;
      clearTimeout(timer);
      return s.code;
    },
  };
}
