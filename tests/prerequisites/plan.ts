/**
 * What to do about missing prerequisites, as plain data: which packages are
 * missing, the apt-get commands that install them, and the one line to
 * print when they cannot be installed from here. No I/O, so it is unit-tested.
 */
import type { Prerequisite } from "./list.ts";

/** How this process may install Debian packages. */
export type Privilege = "root" | "sudo" | "none";

/** The commands not found, and the packages (deduplicated, in list order) that provide them. */
export interface Missing {
  readonly commands: readonly string[];
  readonly packages: readonly string[];
}

/** What the prerequisites step does next. */
export type Plan =
  | { readonly kind: "ready" }
  | {
    readonly kind: "install";
    readonly packages: readonly string[];
    /** `apt-get update`, run once, as an argv. */
    readonly update: readonly string[];
    /** `apt-get install -y ...missing packages`, as an argv. */
    readonly install: readonly string[];
  }
  | { readonly kind: "manual"; readonly line: string };

/** Finds the entries with a command that `has` does not see; `has` is the PATH lookup. */
export function findMissing(
  list: readonly Prerequisite[],
  has: (command: string) => boolean,
): Missing {
  const commands: string[] = [];
  const packages: string[] = [];
  for (const entry of list) {
    const absent = entry.commands.filter((command) => !has(command));
    if (absent.length === 0) continue;
    commands.push(...absent);
    if (!packages.includes(entry.debianPackage)) packages.push(entry.debianPackage);
  }
  return { commands, packages };
}

/**
 * Installs when it can (root, or passwordless sudo, and apt-get present);
 * otherwise the plan is the one line that tells the user what to run.
 */
export function planInstall(missing: Missing, privilege: Privilege, hasAptGet: boolean): Plan {
  if (missing.packages.length === 0) return { kind: "ready" };
  if (privilege === "none" || !hasAptGet) {
    return { kind: "manual", line: missingLine(missing, privilege) };
  }
  // sudo resets the environment, so the variable travels through env(1) either way.
  const apt = [
    ...(privilege === "sudo" ? ["sudo", "-n"] : []),
    "env",
    "DEBIAN_FRONTEND=noninteractive",
    "apt-get",
  ];
  return {
    kind: "install",
    packages: missing.packages,
    update: [...apt, "update", "-q"],
    install: [...apt, "install", "-y", "-q", ...missing.packages],
  };
}

/** The exact command a person runs to install `packages` (with sudo unless already root). */
export function manualCommand(packages: readonly string[], privilege: Privilege): string {
  const sudo = privilege === "root" ? "" : "sudo ";
  return `${sudo}apt-get update && ${sudo}apt-get install -y ${packages.join(" ")}`;
}

/** The single line printed when the tests cannot run: what is missing and the command to run. */
export function missingLine(missing: Missing, privilege: Privilege): string {
  return `prerequisites: the tests need ${missing.commands.join(", ")}, not found on PATH; ` +
    `install them with: ${manualCommand(missing.packages, privilege)}`;
}
