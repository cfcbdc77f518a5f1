/**
 * The soak's memory verdict: after a warm-up, the server's resident memory
 * must level off, not climb.
 *
 * The run is cut into thirds by time. The first third is warm-up (the heap
 * grows to its working size, buffers reach theirs). The verdict compares
 * the median RSS of the last third with that of the middle third: it passes
 * when the last is at most {@link MemoryRule.maxGrowthPct} percent above.
 * Medians, because a garbage collection or a burst moves single samples;
 * a leak moves all of them.
 *
 * @module
 */

/** One reading of the server's memory. */
export interface MemorySample {
  /** Seconds since the load started. */
  readonly t: number;
  /** Resident set size in KiB. */
  readonly rssKiB: number;
}

/** What "levels off" means. */
export interface MemoryRule {
  /** Most the last third's median may exceed the middle third's, in percent. @default 10 */
  readonly maxGrowthPct: number;
  /** Fewest samples each third needs for a verdict. @default 3 */
  readonly minSamplesPerThird: number;
}

/** The defaults of {@link MemoryRule}. */
export const DEFAULT_MEMORY_RULE: MemoryRule = Object.freeze({
  maxGrowthPct: 10,
  minSamplesPerThird: 3,
});

/** The verdict and the figures behind it. */
export interface MemoryVerdict {
  readonly pass: boolean;
  /** One sentence for people. */
  readonly reason: string;
  /** Median RSS of each third (warm-up, middle, last), KiB. */
  readonly mediansKiB: readonly [number, number, number];
  /** (last - middle) / middle, in percent. */
  readonly growthPct: number;
  /** Least-squares slope of RSS over the middle and last thirds, KiB per minute (information). */
  readonly slopeKiBPerMin: number;
  /** Highest RSS seen, KiB. */
  readonly peakKiB: number;
}

/** Judges `samples` (in time order) by `rule`. */
export function judgeMemory(
  samples: readonly MemorySample[],
  rule: MemoryRule = DEFAULT_MEMORY_RULE,
): MemoryVerdict {
  const end = samples.at(-1)?.t ?? 0;
  const thirds: MemorySample[][] = [[], [], []];
  for (const s of samples) {
    thirds[end > 0 ? Math.min(2, Math.floor((s.t / end) * 3)) : 0]!.push(s);
  }
  const medians = thirds.map((third) => median(third.map((s) => s.rssKiB))) as [
    number,
    number,
    number,
  ];
  const [, middle, last] = medians;
  const growthPct = middle > 0 ? ((last - middle) / middle) * 100 : NaN;
  const slopeKiBPerMin = slope([...thirds[1]!, ...thirds[2]!]) * 60;
  const peakKiB = Math.max(0, ...samples.map((s) => s.rssKiB));
  const figures = { mediansKiB: medians, growthPct, slopeKiBPerMin, peakKiB };
  const fewest = Math.min(...thirds.map((third) => third.length));
  if (fewest < rule.minSamplesPerThird) {
    return {
      ...figures,
      pass: false,
      reason: `too few samples to judge (${fewest} in a third, ${rule.minSamplesPerThird} needed)`,
    };
  }
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  const pass = growthPct <= rule.maxGrowthPct;
  return {
    ...figures,
    pass,
    reason: `median RSS ${mib(middle)} MiB in the middle third, ${mib(last)} MiB in the last ` +
      `(${growthPct >= 0 ? "+" : ""}${growthPct.toFixed(1)} %, at most +${rule.maxGrowthPct} %)` +
      (pass ? ": levels off" : ": still climbing"),
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Least-squares slope of RSS over time, KiB per second; 0 with fewer than two samples. */
function slope(samples: readonly MemorySample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mr = samples.reduce((s, x) => s + x.rssKiB, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.rssKiB - mr);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
