import { parseArgs } from "node:util";
import { DEFAULT_REACTOR_OPTIONS, DEFAULT_STOP_GRACE_MS } from "../reactor/mod.ts";
import { DEFAULT_CHAT_OPTIONS } from "./chat/chat_options.ts";
import { type Cidr, CIDR_SYNTAX, parseCidrList } from "./access/cidr.ts";
import { DEFAULT_UDP_OPTIONS } from "./udp/udp_options.ts";

/** The validated settings of one server process. */
export interface Config {
  /** Address every listener binds. */
  host: string;
  /** Echo port; 0 lets the OS pick; `null` means the echo listener is off. */
  echoPort: number | null;
  /** Chat port; 0 lets the OS pick; `null` means the chat listener is off. */
  chatPort: number | null;
  /** Text put before each echoed line, or `null` for byte-exact echo. */
  echoPrefix: string | null;
  /** Inbound silence after which a connection is idle, in ms; 0 disables. */
  idleTimeoutMs: number;
  /** Time from an idle warning (chat) to the close, in ms. */
  idleGraceMs: number;
  /** Period of the heartbeat that expires idle connections, in ms. */
  heartbeatIntervalMs: number;
  /** Most connections open at once; 0 means no limit. */
  maxConnections: number;
  /** Most bytes of unsent output for all connections together; 0 means no limit. */
  maxQueuedBytesTotal: number;
  /** Longest chat line in bytes. */
  maxLineBytes: number;
  /** Chat lines per second one connection may send on average. */
  rateLimit: number;
  /** Chat lines one connection may send in a burst. */
  rateBurst: number;
  /** Lines of history kept per chat room (0: none). */
  history: number;
  /** Most chat rooms at once. */
  maxRooms: number;
  /** Redis URL through which several servers form one chat, or `null` to chat alone. */
  redis: string | null;
  /** Reactors (worker threads) serving the same ports; 1 runs everything on the main thread. */
  workers: number;
  /** How long a nick or presence outlives its server in Redis unless renewed, in ms. */
  redisTtlMs: number;
  /** Longest a graceful stop waits for connections to flush, in ms. */
  shutdownGraceMs: number;
  /** Only peers in these ranges may connect; empty means everyone not denied. */
  allow: readonly Cidr[];
  /** Peers in these ranges may not connect (deny wins over allow). */
  deny: readonly Cidr[];
  /** Most connections open at once from one client (IPv4 address or IPv6 /64); 0 means no limit. */
  maxConnectionsPerIp: number;
  /** New connections per second one client may open on average; 0 means no limit. */
  connectionRate: number;
  /** New connections one client may open at once. */
  connectionBurst: number;
  /** TLS echo port; 0 lets the OS pick; `null` means off (the default). */
  echoTlsPort: number | null;
  /** TLS chat port; 0 lets the OS pick; `null` means off (the default). */
  chatTlsPort: number | null;
  /** Path of the PEM certificate chain for the TLS ports, or `null`. */
  tlsCert: string | null;
  /** Path of the PEM private key for the TLS ports, or `null`. */
  tlsKey: string | null;
  /** Lowest level logged. */
  logLevel: LogLevelName;
  /** `text` for people, `json` for machines (one JSON object per line). */
  logFormat: "text" | "json";
  /** HTTP side port (metrics, health, status page); 0 lets the OS pick; `null` means off. */
  httpPort: number | null;
  /** UDP echo on the echo port: `on` whenever the echo port is on, or `off`. */
  udp: "on" | "off";
  /** UDP datagrams per second one source address may have echoed. */
  udpRate: number;
  /** UDP datagrams one source address may have echoed in a burst. */
  udpBurst: number;
}

/** Log levels accepted by `--log-level`. */
export type LogLevelName = "debug" | "info" | "warning" | "error";

/** What the command line asks for. */
export type Command =
  | { kind: "run"; config: Config }
  | { kind: "help" }
  | { kind: "version" };

/**
 * A bad flag or environment value. Its message is one line meant for a
 * person: it names the flag, the value and what is accepted. Exit code 2.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The server's own defaults (the reactor's library default is "no limit"). */
const DEFAULT_ECHO_PORT = 8877;
const DEFAULT_CHAT_PORT = 8878;
const DEFAULT_MAX_CONNECTIONS = 10_000;
/**
 * Per-client limits (a client is an IPv4 address or an IPv6 /64). 100 open
 * connections lets a classroom or office of 50 behind one NAT use echo and
 * chat at once, while one host can still hold only 1% of --max-connections.
 * A burst of 100 lets that whole room reconnect at once after a restart; 20
 * new connections per second after it is far above what people do, yet
 * holds one address to a sliver of what the server accepts per second.
 */
const DEFAULT_MAX_CONNECTIONS_PER_IP = 100;
const DEFAULT_CONNECTION_RATE = 20;
const DEFAULT_CONNECTION_BURST = 100;
/** Longest `--echo-prefix`: it is copied before every echoed line. */
const MAX_ECHO_PREFIX_BYTES = 256;
/** Bytes in a MiB, the unit of byte-size flags. */
const MIB = 1024 * 1024;
/** Longest time any seconds flag accepts: one year. */
const MAX_SECONDS = 31_536_000;

type Kind =
  | { type: "port" }
  | { type: "seconds"; min: number; zeroMeans?: string }
  | { type: "count"; min: number; max: number; scale?: number; auto?: () => number }
  | { type: "text"; nonEmpty: boolean; maxBytes?: number }
  | { type: "enum"; values: readonly string[] }
  | { type: "cidrs" }
  | { type: "file" }
  | { type: "url"; schemes: readonly string[]; example: string };

interface OptionSpec {
  readonly flag: string;
  readonly key: keyof Config;
  readonly env: string;
  readonly default: string;
  readonly kind: Kind;
  readonly help: string;
}

const seconds = (ms: number) => String(ms / 1000);

/** Seconds a dead server's nicks stay taken in Redis by default (renewed every third of it). */
const DEFAULT_REDIS_TTL_SECONDS = 10;

const SPECS: readonly OptionSpec[] = [
  {
    flag: "host",
    key: "host",
    env: "ECHOCHAT_HOST",
    default: "0.0.0.0",
    kind: { type: "text", nonEmpty: true },
    help: "address to listen on (0.0.0.0, 127.0.0.1, ::)",
  },
  {
    flag: "echo-port",
    key: "echoPort",
    env: "ECHOCHAT_ECHO_PORT",
    default: String(DEFAULT_ECHO_PORT),
    kind: { type: "port" },
    help: "echo port, 0 for any free port, off to disable",
  },
  {
    flag: "chat-port",
    key: "chatPort",
    env: "ECHOCHAT_CHAT_PORT",
    default: String(DEFAULT_CHAT_PORT),
    kind: { type: "port" },
    help: "chat port, 0 for any free port, off to disable",
  },
  {
    flag: "echo-prefix",
    key: "echoPrefix",
    env: "ECHOCHAT_ECHO_PREFIX",
    default: "",
    kind: { type: "text", nonEmpty: false, maxBytes: MAX_ECHO_PREFIX_BYTES },
    help: 'text put before each echoed line, e.g. "server echo: "',
  },
  {
    flag: "idle-timeout",
    key: "idleTimeoutMs",
    env: "ECHOCHAT_IDLE_TIMEOUT",
    default: seconds(DEFAULT_REACTOR_OPTIONS.idleTimeoutMs),
    kind: { type: "seconds", min: 0.001, zeroMeans: "never" },
    help: "seconds without inbound data before a connection is idle, 0 for never",
  },
  {
    flag: "idle-grace",
    key: "idleGraceMs",
    env: "ECHOCHAT_IDLE_GRACE",
    default: seconds(DEFAULT_REACTOR_OPTIONS.idleGraceMs),
    kind: { type: "seconds", min: 0.001, zeroMeans: "no warning" },
    help: "seconds from the chat idle warning to the close",
  },
  {
    flag: "heartbeat-interval",
    key: "heartbeatIntervalMs",
    env: "ECHOCHAT_HEARTBEAT_INTERVAL",
    default: seconds(DEFAULT_REACTOR_OPTIONS.heartbeatIntervalMs),
    kind: { type: "seconds", min: 0.01 },
    help: "seconds between idle checks",
  },
  {
    flag: "max-connections",
    key: "maxConnections",
    env: "ECHOCHAT_MAX_CONNECTIONS",
    default: String(DEFAULT_MAX_CONNECTIONS),
    kind: { type: "count", min: 0, max: 1_000_000 },
    help: "most connections open at once, 0 for no limit",
  },
  {
    flag: "output-budget",
    key: "maxQueuedBytesTotal",
    env: "ECHOCHAT_OUTPUT_BUDGET",
    default: String(DEFAULT_REACTOR_OPTIONS.maxQueuedBytesTotal / MIB),
    kind: { type: "count", min: 0, max: 1_048_576, scale: MIB },
    help: "MiB of unsent output held for all clients together; past it the furthest " +
      "behind are closed; 0 for no limit",
  },
  {
    flag: "max-line-bytes",
    key: "maxLineBytes",
    env: "ECHOCHAT_MAX_LINE_BYTES",
    default: String(DEFAULT_CHAT_OPTIONS.maxLineBytes),
    kind: { type: "count", min: 64, max: 65_536 },
    help: "longest chat line in bytes",
  },
  {
    flag: "rate-limit",
    key: "rateLimit",
    env: "ECHOCHAT_RATE_LIMIT",
    default: String(DEFAULT_CHAT_OPTIONS.rateLimit),
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "chat lines per second one connection may send",
  },
  {
    flag: "rate-burst",
    key: "rateBurst",
    env: "ECHOCHAT_RATE_BURST",
    default: String(DEFAULT_CHAT_OPTIONS.rateBurst),
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "chat lines one connection may send in a burst, at least --rate-limit " +
      "(by default the larger of the two)",
  },
  {
    flag: "history",
    key: "history",
    env: "ECHOCHAT_HISTORY",
    default: String(DEFAULT_CHAT_OPTIONS.history),
    kind: { type: "count", min: 0, max: 1000 },
    help: "lines of each chat room shown to who joins it, 0 for none",
  },
  {
    flag: "max-rooms",
    key: "maxRooms",
    env: "ECHOCHAT_MAX_ROOMS",
    default: String(DEFAULT_CHAT_OPTIONS.maxRooms),
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "most chat rooms at once, the lobby included",
  },
  {
    flag: "workers",
    key: "workers",
    env: "ECHOCHAT_WORKERS",
    default: "1",
    kind: { type: "count", min: 1, max: 256, auto: () => navigator.hardwareConcurrency },
    help: "reactors serving the same ports, one per worker thread (SO_REUSEPORT); " +
      "auto for one per CPU",
  },
  {
    flag: "redis",
    key: "redis",
    env: "ECHOCHAT_REDIS",
    default: "",
    kind: { type: "url", schemes: ["redis:", "rediss:"], example: "redis://127.0.0.1:6379/0" },
    help: "Redis URL through which several servers form one chat; none: this server chats alone",
  },
  {
    flag: "redis-ttl",
    key: "redisTtlMs",
    env: "ECHOCHAT_REDIS_TTL",
    default: String(DEFAULT_REDIS_TTL_SECONDS),
    kind: { type: "seconds", min: 0.3 },
    help: "seconds a stopped server's nicks and users stay in Redis (renewed every third of it)",
  },
  {
    flag: "shutdown-grace",
    key: "shutdownGraceMs",
    env: "ECHOCHAT_SHUTDOWN_GRACE",
    default: seconds(DEFAULT_STOP_GRACE_MS),
    kind: { type: "seconds", min: 0.001, zeroMeans: "close at once" },
    help: "seconds a graceful stop waits for clients before closing them",
  },
  {
    flag: "allow",
    key: "allow",
    env: "ECHOCHAT_ALLOW",
    default: "",
    kind: { type: "cidrs" },
    help: "only these addresses or CIDR ranges may connect (e.g. 10.0.0.0/8,::1); " +
      "none means everyone not denied",
  },
  {
    flag: "deny",
    key: "deny",
    env: "ECHOCHAT_DENY",
    default: "",
    kind: { type: "cidrs" },
    help: "these addresses or CIDR ranges may not connect; deny wins over allow",
  },
  {
    flag: "max-connections-per-ip",
    key: "maxConnectionsPerIp",
    env: "ECHOCHAT_MAX_CONNECTIONS_PER_IP",
    default: String(DEFAULT_MAX_CONNECTIONS_PER_IP),
    kind: { type: "count", min: 0, max: 1_000_000 },
    help: "most connections open at once from one IPv4 address or IPv6 /64, 0 for no limit",
  },
  {
    flag: "connection-rate",
    key: "connectionRate",
    env: "ECHOCHAT_CONNECTION_RATE",
    default: String(DEFAULT_CONNECTION_RATE),
    kind: { type: "count", min: 0, max: 1_000_000 },
    help: "new connections per second from one IPv4 address or IPv6 /64, 0 for no limit",
  },
  {
    flag: "connection-burst",
    key: "connectionBurst",
    env: "ECHOCHAT_CONNECTION_BURST",
    default: String(DEFAULT_CONNECTION_BURST),
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "new connections one address may open at once, at least --connection-rate " +
      "(by default the larger of the two)",
  },
  {
    flag: "echo-tls-port",
    key: "echoTlsPort",
    env: "ECHOCHAT_ECHO_TLS_PORT",
    default: "off",
    kind: { type: "port" },
    help: "echo over TLS: port, 0 for any free port, off; needs --tls-cert and --tls-key",
  },
  {
    flag: "chat-tls-port",
    key: "chatTlsPort",
    env: "ECHOCHAT_CHAT_TLS_PORT",
    default: "off",
    kind: { type: "port" },
    help: "chat over TLS: port, 0 for any free port, off; needs --tls-cert and --tls-key",
  },
  {
    flag: "tls-cert",
    key: "tlsCert",
    env: "ECHOCHAT_TLS_CERT",
    default: "",
    kind: { type: "file" },
    help: "PEM certificate chain for the TLS ports (server certificate first); " +
      "re-read on SIGHUP",
  },
  {
    flag: "tls-key",
    key: "tlsKey",
    env: "ECHOCHAT_TLS_KEY",
    default: "",
    kind: { type: "file" },
    help: "PEM private key of that certificate, unencrypted; re-read on SIGHUP",
  },
  {
    flag: "log-level",
    key: "logLevel",
    env: "ECHOCHAT_LOG_LEVEL",
    default: "info",
    kind: { type: "enum", values: ["debug", "info", "warning", "error"] },
    help: "lowest level logged: debug, info, warning or error",
  },
  {
    flag: "log-format",
    key: "logFormat",
    env: "ECHOCHAT_LOG_FORMAT",
    default: "text",
    kind: { type: "enum", values: ["text", "json"] },
    help: "text for people, json for one JSON object per line",
  },
  {
    flag: "http-port",
    key: "httpPort",
    env: "ECHOCHAT_HTTP_PORT",
    default: "off",
    kind: { type: "port" },
    help: "HTTP port for /metrics, /healthz and the status page, 0 for any free port, " +
      "off to disable",
  },
  {
    flag: "udp",
    key: "udp",
    env: "ECHOCHAT_UDP",
    default: "on",
    kind: { type: "enum", values: ["on", "off"] },
    help: "UDP echo on the echo port: on or off",
  },
  {
    flag: "udp-rate",
    key: "udpRate",
    env: "ECHOCHAT_UDP_RATE",
    default: String(DEFAULT_UDP_OPTIONS.ratePerSecond),
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "UDP datagrams per second echoed to one source address",
  },
  {
    flag: "udp-burst",
    key: "udpBurst",
    env: "ECHOCHAT_UDP_BURST",
    default: String(DEFAULT_UDP_OPTIONS.burst),
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "UDP datagrams echoed to one source address in a burst",
  },
];

const BOOLEAN_FLAGS: Record<string, { short: string }> = {
  help: { short: "h" },
  version: { short: "V" },
};

/** Every environment variable the server reads (the compile task allows ECHOCHAT_*). */
export const ENV_NAMES: readonly string[] = SPECS.map((spec) => spec.env);

/**
 * Turns command-line arguments and environment variables into a command.
 * Flags win over environment variables, which win over defaults.
 * Throws {@link ConfigError} with a one-line message for anything invalid.
 */
export function parseCommandLine(
  args: readonly string[],
  env: (name: string) => string | undefined = () => undefined,
): Command {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [flag, { short }] of Object.entries(BOOLEAN_FLAGS)) {
    options[flag] = { type: "boolean", short };
  }
  for (const spec of SPECS) options[spec.flag] = { type: "string" };
  let parsed;
  try {
    parsed = parseArgs({
      args: attachValues(args),
      options,
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError(describeParseError(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { kind: "help" };
  if (values.version === true) return { kind: "version" };

  const config: Record<string, unknown> = {};
  const defaulted = new Set<keyof Config>();
  for (const spec of SPECS) {
    const flagValue = values[spec.flag];
    const envValue = env(spec.env);
    let raw = spec.default;
    let source = `--${spec.flag}`;
    if (typeof flagValue === "string") raw = flagValue;
    else if (envValue !== undefined) {
      raw = envValue;
      source = `${spec.env} (for --${spec.flag})`;
    } else defaulted.add(spec.key);
    config[spec.key] = convert(spec.kind, raw, source);
  }
  const result = config as unknown as Config;
  // The default burst is one second of lines when --rate-limit is above it.
  if (defaulted.has("rateBurst")) result.rateBurst = Math.max(result.rateBurst, result.rateLimit);
  if (defaulted.has("connectionBurst")) {
    result.connectionBurst = Math.max(result.connectionBurst, result.connectionRate);
  }
  checkCombinations(result);
  return { kind: "run", config: result };
}

/**
 * Joins every value-taking flag with the argument after it (`--echo-port
 * -1` becomes `--echo-port=-1`), as getopt does, so that a negative number
 * is reported as a bad value rather than as a missing one.
 */
function attachValues(args: readonly string[]): string[] {
  const valueFlags = new Set(SPECS.map((spec) => `--${spec.flag}`));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (valueFlags.has(arg) && next !== undefined) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function checkCombinations(config: Config): void {
  const noTls = config.echoTlsPort === null && config.chatTlsPort === null;
  if (config.echoPort === null && config.chatPort === null && noTls) {
    throw new ConfigError("Both --echo-port and --chat-port are off: enable at least one");
  }
  if (config.echoPort !== null && config.echoPort !== 0 && config.echoPort === config.chatPort) {
    throw new ConfigError(
      `--echo-port and --chat-port are both ${config.echoPort}: give them different ports`,
    );
  }
  if (config.connectionBurst < config.connectionRate) {
    throw new ConfigError(
      `Invalid value "${config.connectionBurst}" for --connection-burst: expected at least --connection-rate (${config.connectionRate}), so one second of connections fits in a burst`,
    );
  }
  const tcpPorts = [["--echo-port", config.echoPort], ["--chat-port", config.chatPort]] as const;
  for (const [flag, port] of tcpPorts) {
    if (config.httpPort !== null && config.httpPort !== 0 && config.httpPort === port) {
      throw new ConfigError(
        `--http-port and ${flag} are both ${port}: give them different ports`,
      );
    }
  }
  checkTlsCombinations(config);
  if (config.rateBurst < config.rateLimit) {
    throw new ConfigError(
      `Invalid value "${config.rateBurst}" for --rate-burst: expected at least --rate-limit (${config.rateLimit}), so one second of lines fits in a burst`,
    );
  }
}

/**
 * TLS needs a certificate and a key together, and at least one TLS port;
 * each TLS port must differ from every other fixed port.
 */
function checkTlsCombinations(config: Config): void {
  const tlsPorts = [
    ["--echo-tls-port", config.echoTlsPort],
    ["--chat-tls-port", config.chatTlsPort],
  ] as const;
  const enabled = tlsPorts.filter(([, port]) => port !== null).map(([flag]) => flag);
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    const [given, missing] = config.tlsCert === null
      ? ["--tls-key", "--tls-cert"]
      : ["--tls-cert", "--tls-key"];
    throw new ConfigError(
      `${given} is set but ${missing} is not: TLS needs both the certificate and its private key`,
    );
  }
  if (enabled.length > 0 && config.tlsCert === null) {
    throw new ConfigError(
      `${enabled.join(" and ")} ${
        enabled.length > 1 ? "need" : "needs"
      } a certificate: pass --tls-cert FILE and --tls-key FILE (PEM)`,
    );
  }
  if (enabled.length === 0 && config.tlsCert !== null) {
    throw new ConfigError(
      "--tls-cert and --tls-key are set but no TLS port is: add --echo-tls-port or --chat-tls-port",
    );
  }
  const fixed = [
    ["--echo-port", config.echoPort],
    ["--chat-port", config.chatPort],
    ...tlsPorts,
  ] as const;
  for (let i = 2; i < fixed.length; i++) {
    const [flag, port] = fixed[i]!;
    if (port === null || port === 0) continue;
    const clash = fixed.slice(0, i).find(([, other]) => other === port);
    if (clash !== undefined) {
      throw new ConfigError(`${clash[0]} and ${flag} are both ${port}: give them different ports`);
    }
  }
}

function convert(kind: Kind, raw: string, source: string): unknown {
  const value = raw.trim();
  const invalid = (expected: string) =>
    new ConfigError(`Invalid value "${raw}" for ${source}: expected ${expected}`);
  switch (kind.type) {
    case "port": {
      if (value.toLowerCase() === "off") return null;
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
        throw invalid("a port from 0 to 65535, or off");
      }
      return Number(value);
    }
    case "seconds": {
      const expected = (kind.zeroMeans === undefined ? "" : `0 (${kind.zeroMeans}) or `) +
        `a number of seconds from ${kind.min} to ${MAX_SECONDS} (e.g. 1.5)`;
      const secs = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (secs === 0 && kind.zeroMeans !== undefined) return 0;
      if (!(secs >= kind.min && secs <= MAX_SECONDS)) throw invalid(expected);
      return Math.round(secs * 1000);
    }
    case "count": {
      if (kind.auto !== undefined && value.toLowerCase() === "auto") return kind.auto();
      const count = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(count >= kind.min && count <= kind.max)) {
        const auto = kind.auto === undefined ? "" : ", or auto";
        throw invalid(`a whole number from ${kind.min} to ${kind.max}${auto}`);
      }
      return count * (kind.scale ?? 1);
    }
    case "text": {
      if (kind.nonEmpty && value === "") throw invalid("a non-empty value");
      if (kind.maxBytes !== undefined && new TextEncoder().encode(raw).length > kind.maxBytes) {
        throw invalid(`at most ${kind.maxBytes} bytes of text`);
      }
      return kind.nonEmpty ? value : (raw === "" ? null : raw);
    }
    case "file":
      return value === "" ? null : raw;
    case "enum": {
      const lower = value.toLowerCase();
      if (!kind.values.includes(lower)) throw invalid(`one of ${kind.values.join(", ")}`);
      return lower;
    }
    case "cidrs": {
      try {
        return parseCidrList(raw);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        throw new ConfigError(
          `Invalid value "${raw}" for ${source}: ${error.message}; expected ${CIDR_SYNTAX}`,
        );
      }
    }
    case "url": {
      if (value === "") return null;
      let url: URL | null = null;
      try {
        url = new URL(value);
      } catch { /* reported below */ }
      if (url === null || !kind.schemes.includes(url.protocol) || url.hostname === "") {
        throw invalid(`a URL such as ${kind.example}`);
      }
      return value;
    }
  }
}

/** `url` with its password (if any) replaced, for logs. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href;
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const long = /--([a-z-]+)/.exec(message)?.[0];
  const quoted = /'(-{1,2}[^' ,]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && quoted !== undefined) {
    return `Unknown flag ${quoted}: run with --help to see the flags`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && long !== undefined) {
    const name = long.slice(2);
    if (name in BOOLEAN_FLAGS) {
      return `Flag ${long} takes no value: run with --help to see the flags`;
    }
    return `Flag ${long} needs a value (e.g. ${long} VALUE): run with --help to see the flags`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return `Unexpected argument ${
      /'([^']*)'/.exec(message)?.[1] ?? ""
    }: every setting is a --flag; run with --help`;
  }
  return `${message.split("\n")[0]}: run with --help to see the flags`;
}

/** The `--help` text, generated from the same table the parser uses. */
export function helpText(name: string, version: string): string {
  const lines = [
    `${name} ${version}: a TCP echo and chat server`,
    "",
    `Usage: ${name} [flags]`,
    "",
    "Flags (each can also be set by the environment variable shown):",
  ];
  const width = Math.max(...SPECS.map((spec) => spec.flag.length)) + 10;
  for (const spec of SPECS) {
    const placeholder = spec.kind.type === "enum"
      ? "X"
      : spec.kind.type === "text"
      ? "TEXT"
      : spec.kind.type === "port"
      ? "PORT"
      : spec.kind.type === "cidrs"
      ? "CIDR,..."
      : spec.kind.type === "file"
      ? "FILE"
      : spec.kind.type === "url"
      ? "URL"
      : "N";
    lines.push(`${`  --${spec.flag} ${placeholder}`.padEnd(width)} ${spec.help}`);
    const shown = spec.default === "" ? "none" : spec.default;
    lines.push(`${"".padEnd(width)} default ${shown}; env ${spec.env}`);
  }
  lines.push(`${"  -h, --help".padEnd(width)} show this help`);
  lines.push(`${"  -V, --version".padEnd(width)} show the version`);
  return lines.join("\n");
}

/** Every setting, for the startup log line: flag names (without --) to values. */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of SPECS) {
    const value = config[spec.key];
    const kind = spec.kind;
    out[spec.flag] = kind.type === "cidrs"
      ? (value as readonly Cidr[]).map(String)
      : kind.type === "seconds"
      ? (value as number) / 1000
      : kind.type === "count" && kind.scale !== undefined
      ? (value as number) / kind.scale
      : kind.type === "url" && typeof value === "string"
      ? redactUrl(value)
      : value;
  }
  return out;
}
