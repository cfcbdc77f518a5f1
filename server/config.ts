import { parseArgs } from "node:util";

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
  /** Inbound silence after which a connection is reaped, in ms; 0 disables. */
  idleTimeoutMs: number;
  /** Time from an idle warning (chat) to the close, in ms. */
  idleGraceMs: number;
  /** Period of the heartbeat that reaps idle connections, in ms. */
  heartbeatIntervalMs: number;
  /** Most connections open at once; 0 means no limit. */
  maxConnections: number;
  /** Longest chat line in bytes. */
  maxLineBytes: number;
  /** Chat lines per second one connection may send on average. */
  rateLimit: number;
  /** Chat lines one connection may send in a burst. */
  rateBurst: number;
  /** Longest a graceful stop waits for connections to flush, in ms. */
  shutdownGraceMs: number;
  /** The reactor's I/O model. */
  transport: "node" | "deno";
  /** Lowest level logged. */
  logLevel: LogLevelName;
  /** `text` for people, `json` for machines (one JSON object per line). */
  logFormat: "text" | "json";
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
 * person: it names the flag and the accepted values. Exit code 2.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Kind =
  | { type: "port" }
  | { type: "seconds"; allowZero: boolean }
  | { type: "count"; min: number; max: number }
  | { type: "string"; nonEmpty: boolean }
  | { type: "enum"; values: readonly string[] };

interface OptionSpec {
  readonly flag: string;
  readonly key: keyof Config;
  readonly env: string;
  readonly default: string;
  readonly kind: Kind;
  readonly help: string;
}

const SPECS: readonly OptionSpec[] = [
  {
    flag: "host",
    key: "host",
    env: "ECHOCHAT_HOST",
    default: "0.0.0.0",
    kind: { type: "string", nonEmpty: true },
    help: "address to listen on (0.0.0.0, 127.0.0.1, ::)",
  },
  {
    flag: "echo-port",
    key: "echoPort",
    env: "ECHOCHAT_ECHO_PORT",
    default: "8877",
    kind: { type: "port" },
    help: "echo port, 0 for any free port, off to disable",
  },
  {
    flag: "chat-port",
    key: "chatPort",
    env: "ECHOCHAT_CHAT_PORT",
    default: "8878",
    kind: { type: "port" },
    help: "chat port, 0 for any free port, off to disable",
  },
  {
    flag: "echo-prefix",
    key: "echoPrefix",
    env: "ECHOCHAT_ECHO_PREFIX",
    default: "",
    kind: { type: "string", nonEmpty: false },
    help: 'text put before each echoed line, e.g. "server echo: "',
  },
  {
    flag: "idle-timeout",
    key: "idleTimeoutMs",
    env: "ECHOCHAT_IDLE_TIMEOUT",
    default: "300",
    kind: { type: "seconds", allowZero: true },
    help: "seconds without inbound data before a connection is closed, 0 to never",
  },
  {
    flag: "idle-grace",
    key: "idleGraceMs",
    env: "ECHOCHAT_IDLE_GRACE",
    default: "30",
    kind: { type: "seconds", allowZero: true },
    help: "seconds between the chat idle warning and the close",
  },
  {
    flag: "heartbeat-interval",
    key: "heartbeatIntervalMs",
    env: "ECHOCHAT_HEARTBEAT_INTERVAL",
    default: "1",
    kind: { type: "seconds", allowZero: false },
    help: "seconds between idle checks",
  },
  {
    flag: "max-connections",
    key: "maxConnections",
    env: "ECHOCHAT_MAX_CONNECTIONS",
    default: "10000",
    kind: { type: "count", min: 0, max: 1_000_000 },
    help: "most connections open at once, 0 for no limit",
  },
  {
    flag: "max-line-bytes",
    key: "maxLineBytes",
    env: "ECHOCHAT_MAX_LINE_BYTES",
    default: "4096",
    kind: { type: "count", min: 64, max: 1_048_576 },
    help: "longest chat line in bytes",
  },
  {
    flag: "rate-limit",
    key: "rateLimit",
    env: "ECHOCHAT_RATE_LIMIT",
    default: "20",
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "chat lines per second one connection may send",
  },
  {
    flag: "rate-burst",
    key: "rateBurst",
    env: "ECHOCHAT_RATE_BURST",
    default: "40",
    kind: { type: "count", min: 1, max: 1_000_000 },
    help: "chat lines one connection may send in a burst",
  },
  {
    flag: "shutdown-grace",
    key: "shutdownGraceMs",
    env: "ECHOCHAT_SHUTDOWN_GRACE",
    default: "5",
    kind: { type: "seconds", allowZero: true },
    help: "seconds a graceful stop waits for clients before closing them",
  },
  {
    flag: "transport",
    key: "transport",
    env: "ECHOCHAT_TRANSPORT",
    default: "node",
    kind: { type: "enum", values: ["node", "deno"] },
    help: "I/O model: node (native node:net handle) or deno (Deno.listen ops)",
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
];

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
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "V" },
  };
  for (const spec of SPECS) options[spec.flag] = { type: "string" };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new ConfigError(describeParseError(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { kind: "help" };
  if (values.version === true) return { kind: "version" };

  const config: Record<string, unknown> = {};
  for (const spec of SPECS) {
    const flagValue = values[spec.flag];
    const envValue = env(spec.env);
    let raw = spec.default;
    let source = `--${spec.flag}`;
    if (typeof flagValue === "string") raw = flagValue;
    else if (envValue !== undefined) {
      raw = envValue;
      source = `${spec.env} (for --${spec.flag})`;
    }
    config[spec.key] = convert(spec, raw, source);
  }
  const result = config as unknown as Config;
  if (result.echoPort === null && result.chatPort === null) {
    throw new ConfigError("Both --echo-port and --chat-port are off: enable at least one");
  }
  if (
    result.echoPort !== null && result.echoPort !== 0 && result.echoPort === result.chatPort
  ) {
    throw new ConfigError(
      `--echo-port and --chat-port are both ${result.echoPort}: give them different ports`,
    );
  }
  if (result.rateBurst < result.rateLimit) result.rateBurst = result.rateLimit;
  return { kind: "run", config: result };
}

function convert(spec: OptionSpec, raw: string, source: string): unknown {
  const kind = spec.kind;
  const value = raw.trim();
  switch (kind.type) {
    case "port": {
      if (value === "off") return null;
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
        throw new ConfigError(
          `Invalid value "${raw}" for ${source}: expected a port from 0 to 65535, or off`,
        );
      }
      return Number(value);
    }
    case "seconds": {
      const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(seconds) || (!kind.allowZero && seconds === 0) || seconds > 31_536_000) {
        const range = kind.allowZero ? "0 or more" : "more than 0";
        throw new ConfigError(
          `Invalid value "${raw}" for ${source}: expected a number of seconds, ${range} (e.g. 1.5)`,
        );
      }
      return Math.round(seconds * 1000);
    }
    case "count": {
      const count = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(count >= kind.min && count <= kind.max)) {
        throw new ConfigError(
          `Invalid value "${raw}" for ${source}: expected a whole number from ${kind.min} to ${kind.max}`,
        );
      }
      return count;
    }
    case "string": {
      if (kind.nonEmpty && value === "") {
        throw new ConfigError(`Invalid value for ${source}: expected a non-empty value`);
      }
      return kind.nonEmpty ? value : (raw === "" ? null : raw);
    }
    case "enum": {
      if (!kind.values.includes(value)) {
        throw new ConfigError(
          `Invalid value "${raw}" for ${source}: expected one of ${kind.values.join(", ")}`,
        );
      }
      return value;
    }
  }
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag !== undefined) {
    return `Unknown flag ${flag}: run with --help to see the flags`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag !== undefined) {
    return `Flag ${flag} needs a value (e.g. ${flag} VALUE): run with --help to see the flags`;
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
    const left = `  --${spec.flag} ${spec.kind.type === "enum" ? "X" : "N"}`.replace(
      / N$/,
      spec.kind.type === "string" ? " TEXT" : " N",
    );
    lines.push(`${left.padEnd(width)} ${spec.help}`);
    const shown = spec.default === "" ? "none" : spec.default;
    lines.push(`${"".padEnd(width)} default ${shown}; env ${spec.env}`);
  }
  lines.push(`${"  -h, --help".padEnd(width)} show this help`);
  lines.push(`${"  -V, --version".padEnd(width)} show the version`);
  return lines.join("\n");
}
