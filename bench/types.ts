/**
 * Shared shapes of the benchmark: options, servers under test, measurements.
 *
 * @module
 */

/** Command-line options of `deno task bench`. */
export interface Options {
  /** Short durations for a smoke test. */
  readonly quick: boolean;
  /** Measurement window of every timed scenario, in seconds. */
  readonly durationS: number;
  /** Scenario ids to run; empty means all. */
  readonly only: readonly string[];
  /** External echo servers (`host:port`) added as extra columns. */
  readonly targets: readonly string[];
  /** Directory for the JSON and SVG results. */
  readonly outDir: string;
  /** Pin the server to CPU 0 and the load generator to CPU 1. */
  readonly pin: boolean;
}

/** The kinds of server the harness knows how to start. */
export type ServerKind = "echochat" | "deno" | "fair" | "node" | "c" | "external";

/** A server under test: one column of the report. */
export interface ServerSpec {
  /** Stable id used in JSON and ratios, e.g. `echochat`, `deno-loop`. */
  readonly id: string;
  /** Column heading for people. */
  readonly label: string;
  /** How to start it. */
  readonly kind: ServerKind;
  /** For `external`: where it already listens. */
  readonly address?: { readonly host: string; readonly port: number };
}

/** Outcome of one scenario against one server. */
export type Status = "ok" | "error" | "skipped";

/** One scenario measured against one server. */
export interface Measurement {
  /** Scenario id, e.g. `pingpong-50`. */
  readonly scenario: string;
  /** Server id. */
  readonly server: string;
  /** `error` when the run failed or the load generator counted errors. */
  status: Status;
  /** Why the run failed or was skipped. */
  error?: string;
  /** Every figure of the run, keyed by metric id. */
  readonly metrics: Record<string, number>;
  /** Things worth knowing that do not invalidate the figures. */
  readonly warnings: string[];
  /** The load generator used more than 90 % of a core in the window. */
  loadgenSaturated: boolean;
  /** The load generator's `RESULT` line, parsed. */
  raw: Record<string, string>;
}

/** A pass/fail verdict against one of the performance targets. */
export interface TargetVerdict {
  /** Short id, e.g. `pingpong-50-vs-deno`. */
  readonly id: string;
  /** What is required, for people. */
  readonly requirement: string;
  /** `n/a` when a figure it needs is missing; `info` for figures shown without a target. */
  readonly status: "pass" | "fail" | "n/a" | "info";
  /** The figures behind the verdict. */
  readonly detail: string;
}
