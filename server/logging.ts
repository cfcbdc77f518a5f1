import {
  configure,
  dispose,
  getAnsiColorFormatter,
  getConsoleSink,
  getJsonLinesFormatter,
  getTextFormatter,
  type LogLevel,
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
    ? getJsonLinesFormatter({ properties: "flatten", categorySeparator: "." })
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
