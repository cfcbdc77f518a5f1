import assert from "node:assert/strict";
import { APT_TAIL_LINES, ensurePrerequisites, type System } from "../prerequisites/ensure.ts";
import type { Prerequisite } from "../prerequisites/list.ts";
import type { Privilege } from "../prerequisites/plan.ts";

const LIST: readonly Prerequisite[] = [
  { commands: ["nc"], debianPackage: "netcat-openbsd" },
  { commands: ["telnet"], debianPackage: "telnet" },
  { commands: ["prlimit", "taskset"], debianPackage: "util-linux" },
];

/** A machine with `installed` commands, where apt-get installs the commands LIST gives its packages. */
class FakeSystem implements System {
  readonly runs: string[][] = [];
  readonly printed: string[] = [];
  readonly installed: Set<string>;

  constructor(
    installed: string[],
    readonly as: Privilege,
    readonly apt: { update?: boolean; install?: boolean; output?: string } = {},
  ) {
    this.installed = new Set(installed);
  }

  has(command: string): boolean {
    return this.installed.has(command);
  }
  privilege(): Promise<Privilege> {
    return Promise.resolve(this.as);
  }
  run(argv: readonly string[]): Promise<{ success: boolean; output: string }> {
    this.runs.push([...argv]);
    const verb = argv[argv.indexOf("apt-get") + 1];
    const success = verb === "update" ? this.apt.update ?? true : this.apt.install ?? true;
    if (verb === "install" && success) {
      for (const entry of LIST) {
        if (argv.includes(entry.debianPackage)) {
          entry.commands.forEach((c) => this.installed.add(c));
        }
      }
    }
    return Promise.resolve({ success, output: this.apt.output ?? "" });
  }
  print(line: string): void {
    this.printed.push(line);
  }
}

const ALL = ["nc", "telnet", "prlimit", "taskset", "apt-get"];

Deno.test("prerequisites: all present is silent, runs nothing and does not ask for privilege", async () => {
  const system = new FakeSystem(ALL, "none");
  system.privilege = () => Promise.reject(new Error("asked"));
  assert.equal(await ensurePrerequisites(LIST, system), true);
  assert.deepEqual(system.runs, []);
  assert.deepEqual(system.printed, []);
});

Deno.test("prerequisites: as root, one update and one install of the missing packages only", async () => {
  const system = new FakeSystem(["nc", "prlimit", "apt-get"], "root");
  assert.equal(await ensurePrerequisites(LIST, system), true);
  assert.deepEqual(system.runs.map((argv) => argv.slice(2).join(" ")), [
    "apt-get update -q",
    "apt-get install -y -q telnet util-linux",
  ]);
  assert.deepEqual(system.printed, [
    "prerequisites: installing telnet util-linux with apt-get (for telnet, taskset)",
  ]);
});

Deno.test("prerequisites: with passwordless sudo it installs through sudo -n", async () => {
  const system = new FakeSystem(["nc", "telnet", "apt-get"], "sudo");
  assert.equal(await ensurePrerequisites(LIST, system), true);
  assert.equal(system.runs.length, 2);
  for (const argv of system.runs) assert.deepEqual(argv.slice(0, 2), ["sudo", "-n"]);
});

Deno.test("prerequisites: without root or sudo it installs nothing and prints one line", async () => {
  const system = new FakeSystem(["nc", "apt-get"], "none");
  assert.equal(await ensurePrerequisites(LIST, system), false);
  assert.deepEqual(system.runs, []);
  assert.deepEqual(system.printed, [
    "prerequisites: the tests need telnet, prlimit, taskset, not found on PATH; " +
    "install them with: sudo apt-get update && sudo apt-get install -y telnet util-linux",
  ]);
});

Deno.test("prerequisites: a failed install shows apt's last lines, then the one line", async () => {
  const output = Array.from({ length: 40 }, (_, i) => `apt line ${i}`).join("\n") +
    "\nE: Unable to locate package telnet\n";
  const system = new FakeSystem(["nc", "prlimit", "taskset", "apt-get"], "root", {
    install: false,
    output,
  });
  assert.equal(await ensurePrerequisites(LIST, system), false);
  const [installing, ...rest] = system.printed;
  assert.match(installing!, /^prerequisites: installing telnet with apt-get/);
  assert.equal(rest.length, APT_TAIL_LINES + 1);
  assert.equal(rest.at(-2), "  E: Unable to locate package telnet");
  assert.equal(
    rest.at(-1),
    "prerequisites: the tests need telnet, not found on PATH; " +
      "install them with: apt-get update && apt-get install -y telnet",
  );
});

Deno.test("prerequisites: a failed update alone does not stop a successful install", async () => {
  const system = new FakeSystem(["nc", "prlimit", "taskset", "apt-get"], "root", { update: false });
  assert.equal(await ensurePrerequisites(LIST, system), true);
  assert.equal(system.runs.length, 2);
});

Deno.test("prerequisites: an install that leaves a command missing still fails", async () => {
  const system = new FakeSystem(["nc", "telnet", "apt-get"], "root");
  system.run = (argv) => {
    system.runs.push([...argv]);
    system.installed.add("prlimit"); // the package came without taskset
    return Promise.resolve({ success: true, output: "" });
  };
  assert.equal(await ensurePrerequisites(LIST, system), false);
  assert.match(system.printed.at(-1)!, /need taskset, not found on PATH; .*install -y util-linux$/);
});
