import {
  configure,
  dispose,
  getAnsiColorFormatter,
  getConsoleSink,
  getTextFormatter,
  type LogLevel,
  type LogRecord,
  type TextFormatter,
} from "@logtape/logtape";
import type { LogLevelName } from "./config.ts";

/** How the process logs. */
export interface LoggingOptions {
  /** Lowest level written. */
  level: LogLevelName;
  /** `text` (coloured on a terminal) or `json` (one object per line). */
  format: "text" | "json";
}

/**
 * Configures LogTape for the whole process. Every record goes to stderr, in
 * order and synchronously, so nothing is lost when the process exits; stdout
 * stays free. Library code logs under the `echochat` category.
 */
export async function setupLogging(options: LoggingOptions): Promise<void> {
  const formatter = options.format === "json"
    ? jsonLinesFormatter
    : Deno.stderr.isTerminal()
    ? getAnsiColorFormatter({ timestamp: "date-time-tz", value: "bare" })
    : getTextFormatter({ timestamp: "date-time-tz", value: "bare" });
  const toStderr: Record<LogLevel, "error"> = {
    trace: "error",
    debug: "error",
    info: "error",
    warning: "error",
    error: "error",
    fatal: "error",
  };
  await configure({
    reset: true,
    sinks: { stderr: getConsoleSink({ formatter, levelMap: toStderr }) },
    loggers: [
      { category: ["echochat"], lowestLevel: options.level, sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}

/** Flushes and closes the sinks; call before the process exits. */
export async function shutdownLogging(): Promise<void> {
  await dispose();
}

/**
 * One JSON object per line: `@timestamp`, `level`, `logger`, `message` and
 * every property as a field of its own. The message reads as a sentence:
 * string values go in bare (`Connection 1 closed (eof)`), unlike LogTape's
 * JSON Lines formatter, which quotes them.
 */
export const jsonLinesFormatter: TextFormatter = (record: LogRecord): string => {
  return JSON.stringify({
    ...record.properties,
    "@timestamp": new Date(record.timestamp).toISOString(),
    level: record.level.toUpperCase(),
    logger: record.category.join("."),
    message: renderMessage(record.message),
  }, jsonValue) + "\n";
};

/** The message parts with values rendered as a person would write them. */
export function renderMessage(parts: readonly unknown[]): string {
  let text = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i % 2 === 0 || typeof part === "string") text += String(part);
    else if (part instanceof Error) text += part.message;
    else text += JSON.stringify(part, jsonValue) ?? String(part);
  }
  return text;
}

function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return value.message;
  return value;
}
