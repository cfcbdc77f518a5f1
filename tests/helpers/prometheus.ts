/**
 * Reads Prometheus text exposition with a real parser
 * (`parse-prometheus-text-format`), plus the checks that parser leaves out
 * because it accepts anything: every family declares its type and help,
 * every sample line is `name{labels} value`, and every value is a number.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** One sample of a family. */
export interface Sample {
  value: number;
  labels: Record<string, string>;
}

/** One metric family, as the parser returns it (its values as numbers). */
export interface Family {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  samples: Sample[];
}

interface ParsedFamily {
  name: string;
  help: string;
  type: Family["type"];
  metrics: { value?: string; labels?: Record<string, string> }[];
}

const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? \S+$/;

/** Parses `text` into families by name; throws on anything the format does not allow. */
export function parseExposition(text: string): Map<string, Family> {
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    if (!SAMPLE_LINE.test(line)) throw new Error(`Not a sample line: ${line}`);
  }
  const parsed = (parsePrometheusTextFormat as (text: string) => ParsedFamily[])(text);
  const families = new Map<string, Family>();
  for (const family of parsed) {
    if (family.type === "UNTYPED") throw new Error(`${family.name} has no # TYPE line`);
    if (family.help === "") throw new Error(`${family.name} has no # HELP line`);
    const samples = family.metrics.map((metric) => {
      const value = Number(metric.value);
      if (metric.value === undefined || Number.isNaN(value)) {
        throw new Error(`${family.name} has a sample whose value is not a number`);
      }
      return { value, labels: metric.labels ?? {} };
    });
    families.set(family.name, { name: family.name, help: family.help, type: family.type, samples });
  }
  return families;
}

/** The value of the one sample of `family` whose labels include `labels`; throws if not one. */
export function valueOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name);
  if (family === undefined) throw new Error(`No metric ${name}`);
  const matching = family.samples.filter((sample) =>
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  );
  if (matching.length !== 1) {
    throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  }
  return matching[0]!.value;
}
