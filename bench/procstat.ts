/**
 * Readings of a server process from Linux `/proc` (resident memory, CPU
 * time, open descriptors) through the `procstat` helper compiled from
 * `bench/c/procstat.c`: Deno wants `--allow-all` to read `/proc/PID/...`
 * itself, and `deno task bench` runs with `--allow-run` instead.
 *
 * @module
 */
import { parseResultLine } from "./loadgen.ts";

let helper: string | undefined;

/** Sets the path of the compiled `procstat` helper (done once after compiling). */
export function setProcstatHelper(path: string): void {
  helper = path;
}

/** One reading of a process. */
export interface ProcSample {
  /** Resident set size in bytes (`VmRSS`). */
  readonly rssBytes: number;
  /** Open file descriptors. */
  readonly fds: number;
  /** CPU s (user + system) of the live threads, ns resolution; NaN if unknown. */
  readonly cpuThreadsS: number;
  /** CPU s (utime + stime) in clock ticks; includes exited threads. */
  readonly cpuTicksS: number;
  /** Non-idle CPU s of the whole machine (all CPUs), from `/proc/stat`. */
  readonly busyAllS: number;
  /** CPU s of each `Worker` thread (`worker-1`, ...): empty for a process without workers. */
  readonly workersCpuS: Readonly<Record<string, number>>;
}

/** Reads `pid`; throws when the process is gone. */
export async function sample(pid: number): Promise<ProcSample> {
  if (helper === undefined) throw new Error("procstat helper not built");
  const out = await new Deno.Command(helper, { args: [String(pid)], stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`process ${pid} is gone`);
  const r = parseResultLine(`X ${text}`);
  const n = (k: string) => Number(r[k] ?? "NaN");
  const threads = n("cpu_threads_s");
  const workersCpuS: Record<string, number> = {};
  for (const item of (r.workers_cpu_s ?? "-").split(",")) {
    const colon = item.lastIndexOf(":");
    if (colon > 0) workersCpuS[item.slice(0, colon)] = Number(item.slice(colon + 1));
  }
  return {
    rssBytes: n("rss_kib") * 1024,
    fds: n("fds"),
    cpuThreadsS: threads >= 0 ? threads : Number.NaN,
    cpuTicksS: n("cpu_ticks_s"),
    busyAllS: n("busy_all_s"),
    workersCpuS,
  };
}

/**
 * CPU seconds used between two samples: the precise per-thread sum unless a
 * thread exited in between (the sum went down), then the tick counts.
 */
export function cpuBetween(a: ProcSample, b: ProcSample): number {
  const precise = b.cpuThreadsS - a.cpuThreadsS;
  return Number.isFinite(precise) && precise >= 0 ? precise : b.cpuTicksS - a.cpuTicksS;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
