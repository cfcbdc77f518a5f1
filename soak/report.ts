/**
 * The soak's output: a row every few seconds while it runs, a summary at
 * the end, and a JSON file with everything.
 *
 * @module
 */
import { join } from "node:path";

/** One row of the running table. */
export interface Row {
  /** Seconds since the load started. */
  readonly t: number;
  readonly rssMiB: number;
  /** Descriptors the server holds (its sockets, mostly). */
  readonly fds: number;
  /** Server CPU since the previous row, % of one core. */
  readonly cpuPct: number;
  /** Echoed MiB verified so far (streams and slow readers). */
  readonly echoMiB: number;
  readonly churnCycles: number;
  /** Lines said in the rooms of the Deno users, and deliveries to the staying users checked. */
  readonly chatSaid: number;
  readonly chatDelivered: number;
  /** Deliveries in the busy room (chatload). */
  readonly busyDelivered: number;
  readonly fuzzKiB: number;
  readonly problems: number;
}

const COLUMNS: readonly [string, (r: Row) => string][] = [
  ["time s", (r) => r.t.toFixed(0)],
  ["RSS MiB", (r) => r.rssMiB.toFixed(1)],
  ["fds", (r) => String(r.fds)],
  ["CPU %", (r) => r.cpuPct.toFixed(0)],
  ["echo MiB", (r) => r.echoMiB.toFixed(1)],
  ["churn", (r) => r.churnCycles.toLocaleString("en-US")],
  ["chat said", (r) => r.chatSaid.toLocaleString("en-US")],
  ["chat recv", (r) => r.chatDelivered.toLocaleString("en-US")],
  ["busy recv", (r) => r.busyDelivered.toLocaleString("en-US")],
  ["fuzz KiB", (r) => r.fuzzKiB.toFixed(0)],
  ["problems", (r) => String(r.problems)],
];

/** The table's header line. */
export function header(): string {
  return COLUMNS.map(([name]) => name.padStart(10)).join("");
}

/** One table line. */
export function line(row: Row): string {
  return COLUMNS.map(([, cell]) => cell(row).padStart(10)).join("");
}

/** Writes `report` as `soak-<time>.json` and `soak-latest.json` in `dir`; returns the first path. */
export async function writeReport(dir: string, report: unknown): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const path = join(dir, `soak-${stamp}.json`);
  await Deno.writeTextFile(path, text);
  await Deno.writeTextFile(join(dir, "soak-latest.json"), text);
  return path;
}
