/**
 * The prerequisites step: look for every command, install the missing
 * packages when this process may, check again, and otherwise stop with one
 * line. The outside world comes in as a `System`, so tests can fake it.
 */
import type { Prerequisite } from "./list.ts";
import { findMissing, missingLine, planInstall, type Privilege } from "./plan.ts";

/** How the step sees and changes the machine; `real_system.ts` is the real one. */
export interface System {
  /** Whether `command` is an executable on PATH. */
  has(command: string): boolean;
  /** Whether packages can be installed: as root, with passwordless sudo, or not at all. */
  privilege(): Promise<Privilege>;
  /** Runs `argv` to completion, capturing stdout and stderr together. */
  run(argv: readonly string[]): Promise<{ success: boolean; output: string }>;
  /** Tells the user something, one line. */
  print(line: string): void;
}

/** How many of apt's last output lines to show when an install fails. */
export const APT_TAIL_LINES = 12;

/** Makes sure every prerequisite is present; true when the tests can run. Silent if all are. */
export async function ensurePrerequisites(
  list: readonly Prerequisite[],
  system: System,
): Promise<boolean> {
  const has = (command: string) => system.has(command);
  const missing = findMissing(list, has);
  if (missing.packages.length === 0) return true;
  const privilege = await system.privilege();
  const plan = planInstall(missing, privilege, has("apt-get"));
  if (plan.kind === "ready") return true;
  if (plan.kind === "manual") {
    system.print(plan.line);
    return false;
  }
  system.print(
    `prerequisites: installing ${plan.packages.join(" ")} with apt-get ` +
      `(for ${missing.commands.join(", ")})`,
  );
  // A failed update (one unreachable mirror, say) does not doom the install,
  // so the install is tried regardless and decides.
  const updated = await system.run(plan.update);
  const installed = await system.run(plan.install);
  const still = findMissing(list, has);
  if (installed.success && still.packages.length === 0) return true;
  if (!installed.success) {
    for (const line of lastLines(updated.output + installed.output, APT_TAIL_LINES)) {
      system.print(`  ${line}`);
    }
  }
  system.print(missingLine(still.packages.length > 0 ? still : missing, privilege));
  return false;
}

/** The last `count` non-blank lines of `text`. */
function lastLines(text: string, count: number): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== "").slice(-count);
}
