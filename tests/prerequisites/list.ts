/**
 * The programs the tests drive for real, and the Debian package that
 * provides each. Adding a component the tests need is one entry here.
 */

/** One thing the tests need: every command in `commands`, from `debianPackage`. */
export interface Prerequisite {
  /** Commands looked up on PATH; the package is needed if any is missing. */
  readonly commands: readonly string[];
  /** The Debian package that provides them. */
  readonly debianPackage: string;
}

/** Everything the tests need; `deno task test` installs what is missing, and only that. */
export const PREREQUISITES: readonly Prerequisite[] = [
  { commands: ["nc"], debianPackage: "netcat-openbsd" },
  { commands: ["telnet"], debianPackage: "telnet" },
  { commands: ["script"], debianPackage: "bsdutils" },
  { commands: ["ncat"], debianPackage: "ncat" },
  { commands: ["openssl"], debianPackage: "openssl" },
  { commands: ["redis-server"], debianPackage: "redis-server" },
  { commands: ["chromium"], debianPackage: "chromium" },
  { commands: ["prlimit", "taskset"], debianPackage: "util-linux" },
  { commands: ["python3"], debianPackage: "python3-minimal" },
];
