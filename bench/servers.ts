/**
 * The servers under test: which exist on this machine, and starting and
 * stopping one on free loopback ports (pinned to CPU 0 when pinning is on).
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import denoJson from "../deno.json" with { type: "json" };
import { freePorts, waitForPort } from "./net.ts";
import { type Child, runQuiet, spawn, stop } from "./process.ts";
import type { ServerSpec } from "./types.ts";

const HOST = "127.0.0.1";
const REPO_ROOT = fromFileUrl(new URL("../", import.meta.url));
const MAIN_TS = fromFileUrl(new URL("../main.ts", import.meta.url));
const DENO_ECHO = fromFileUrl(new URL("./baselines/deno_echo.ts", import.meta.url));
const FAIR_ECHO = fromFileUrl(new URL("./baselines/fair_echo.ts", import.meta.url));
const NODE_ECHO = fromFileUrl(new URL("./baselines/node_echo.mjs", import.meta.url));
const READY_TIMEOUT_MS = 20_000;

/**
 * The `--allow-*` and `--unstable-*` flags of the compile task: echochat runs
 * with what the binary may do (the tests do the same), which `--redis` needs
 * (the hostname for its node id, the env switches `@redis/client` reads).
 */
const ECHOCHAT_PERMISSIONS: readonly string[] = denoJson.tasks.compile
  .split(/\s+/)
  .filter((word) => word.startsWith("--allow-") || word.startsWith("--unstable-"));

/** Server id of echochat, the server the ratios are about. */
export const ECHOCHAT = "echochat";
/** Server id of the plain Deno read/write loop. */
export const DENO_LOOP = "deno-loop";
/** Server id of the minimal fair `Deno.Conn` reactor (what Deno can do without echochat's layers). */
export const FAIR_REACTOR = "fair-reactor";
/** Server id of the Node `net` echo server. */
export const NODE_NET = "node-net";
/** Server id of the C epoll echo server. */
export const C_EPOLL = "c-epoll";

/** A server that is running (or an external one that is assumed to be). */
export interface RunningServer {
  /** What was started. */
  readonly spec: ServerSpec;
  /** Host to connect to. */
  readonly host: string;
  /** Echo port. */
  readonly echoPort: number;
  /** Chat port (echochat only). */
  readonly chatPort?: number;
  /** HTTP side port (echochat started with {@link StartOptions.httpPort}). */
  readonly httpPort?: number;
  /** Process id to read `/proc` from; absent for external targets. */
  readonly pid?: number;
  /** Stops the process (no-op for external targets). */
  readonly stop: () => Promise<void>;
  /** The last output lines of the server process. */
  readonly output: () => string[];
  /** True when the server process has exited (never for external targets). */
  readonly exited: () => boolean;
}

/** What the machine offers for the server list. */
export interface Availability {
  /** Servers that can be started, in column order. */
  readonly servers: ServerSpec[];
  /** Why a server is not in the list, for people. */
  readonly notes: string[];
  /** `node --version`, when node is installed. */
  readonly nodeVersion?: string;
}

/**
 * Lists the servers to measure: echochat (when `main.ts` exists), the plain
 * Deno loop, the minimal fair reactor, Node `net` (when `node` is installed),
 * the C epoll server and every `--target host:port`.
 */
export async function availableServers(targets: readonly string[]): Promise<Availability> {
  const servers: ServerSpec[] = [];
  const notes: string[] = [];
  let hasMain = false;
  try {
    hasMain = Deno.statSync(MAIN_TS).isFile;
  } catch {
    hasMain = false;
  }
  if (hasMain) {
    servers.push({ id: ECHOCHAT, label: "echochat", kind: "echochat" });
  } else {
    notes.push(`echochat skipped: ${MAIN_TS} does not exist yet`);
  }
  servers.push({ id: DENO_LOOP, label: "Deno loop", kind: "deno" });
  servers.push({ id: FAIR_REACTOR, label: "Fair reactor", kind: "fair" });
  const node = await runQuiet(["node", "--version"]);
  let nodeVersion: string | undefined;
  if (node !== null && node.code === 0) {
    nodeVersion = node.stdout.trim();
    servers.push({ id: NODE_NET, label: "Node net", kind: "node" });
  } else {
    notes.push("Node net skipped: `node` is not installed");
  }
  servers.push({ id: C_EPOLL, label: "C epoll", kind: "c" });
  for (const target of targets) {
    const match = /^(.+):(\d+)$/.exec(target);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`--target ${target}: expected host:port`);
    }
    const host = match[1].replace(/^\[(.*)\]$/, "$1");
    servers.push({
      id: `target:${target}`,
      label: target,
      kind: "external",
      address: { host, port: Number(match[2]) },
    });
  }
  return nodeVersion === undefined ? { servers, notes } : { servers, notes, nodeVersion };
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** CPU to pin the server to, if any: one (`0`) or a `taskset` list (`"0-1"`). */
  readonly cpu?: number | string;
  /** Path of the compiled C epoll echo server. */
  readonly epollEcho: string;
  /** Extra echochat flags, e.g. for the idle timeout. */
  readonly echochatFlags?: readonly string[];
  /**
   * echochat: also open the HTTP side port (on a free port) and count the
   * server ready only once it accepts. With `--workers N` the main thread
   * opens it after every worker has bound the echo and chat ports, while
   * those accept as soon as the first worker has: so the kernel spreads the
   * load's connections over all workers from the first one.
   * @default false
   */
  readonly httpPort?: boolean;
}

/** The echochat command line for the given ports (plus scenario flags). */
export function echochatArgv(
  echoPort: number,
  chatPort: number,
  extra: readonly string[] = [],
): string[] {
  const flags = [
    "--host",
    HOST,
    "--echo-port",
    String(echoPort),
    "--chat-port",
    String(chatPort),
    "--log-level",
    "warning",
    "--max-connections",
    "0",
    // Every load generator connects from one address: per-address limits off.
    "--max-connections-per-ip",
    "0",
    "--connection-rate",
    "0",
    "--shutdown-grace",
    "0",
  ];
  if (!extra.includes("--idle-timeout")) flags.push("--idle-timeout", "0");
  return [Deno.execPath(), "run", ...ECHOCHAT_PERMISSIONS, MAIN_TS, ...flags, ...extra];
}

/**
 * Starts `spec` on free loopback ports and resolves once a TCP connect to
 * every port it serves succeeds. Throws, with the server's output, if it
 * exits or does not accept within 20 s.
 */
export async function startServer(spec: ServerSpec, options: StartOptions): Promise<RunningServer> {
  if (spec.kind === "external") {
    if (spec.address === undefined) throw new Error(`${spec.id}: no address`);
    const { host, port } = spec.address;
    await waitForPort(host, port, 3000);
    return {
      spec,
      host,
      echoPort: port,
      stop: () => Promise.resolve(),
      output: () => [],
      exited: () => false,
    };
  }
  const [echoPort, chatPort, httpPort] = freePorts(3) as [number, number, number];
  const withHttp = spec.kind === "echochat" && options.httpPort === true;
  let argv: string[];
  switch (spec.kind) {
    case "echochat":
      argv = echochatArgv(echoPort, chatPort, [
        ...(options.echochatFlags ?? []),
        ...(withHttp ? ["--http-port", String(httpPort)] : []),
      ]);
      break;
    case "deno":
      argv = [Deno.execPath(), "run", "--no-config", "--allow-net", DENO_ECHO, String(echoPort)];
      break;
    case "fair":
      argv = [Deno.execPath(), "run", "--no-config", "--allow-net", FAIR_ECHO, String(echoPort)];
      break;
    case "node":
      argv = ["node", NODE_ECHO, String(echoPort)];
      break;
    case "c":
      argv = [options.epollEcho, String(echoPort)];
      break;
  }
  const child: Child = spawn(
    spec.id,
    argv,
    options.cpu === undefined ? { cwd: REPO_ROOT } : { cwd: REPO_ROOT, cpu: options.cpu },
  );
  const gone = () =>
    child.hasExited()
      ? `${spec.label} exited before accepting connections:\n  ${child.lines().join("\n  ")}`
      : null;
  try {
    await waitForPort(HOST, echoPort, READY_TIMEOUT_MS, gone);
    if (spec.kind === "echochat") await waitForPort(HOST, chatPort, READY_TIMEOUT_MS, gone);
    if (withHttp) await waitForPort(HOST, httpPort, READY_TIMEOUT_MS, gone);
  } catch (error) {
    await stop(child);
    throw error;
  }
  const running = {
    spec,
    host: HOST,
    echoPort,
    pid: child.pid,
    stop: () => stop(child),
    output: () => child.lines(),
    exited: () => child.hasExited(),
  };
  if (spec.kind !== "echochat") return running;
  return withHttp ? { ...running, chatPort, httpPort } : { ...running, chatPort };
}
