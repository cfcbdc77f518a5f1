import assert from "node:assert/strict";
import { PREREQUISITES } from "../prerequisites/list.ts";
import { findMissing, manualCommand, missingLine, planInstall } from "../prerequisites/plan.ts";

const only = (...present: string[]) => (command: string) => present.includes(command);
const none = () => false;

Deno.test("prerequisites plan: nothing missing means ready, whatever the privilege", () => {
  const missing = findMissing(PREREQUISITES, () => true);
  assert.deepEqual(missing, { commands: [], packages: [] });
  assert.deepEqual(planInstall(missing, "none", false), { kind: "ready" });
});

Deno.test("prerequisites plan: missing commands map to their packages, deduplicated, in list order", () => {
  const missing = findMissing(PREREQUISITES, none);
  assert.deepEqual(missing.commands, [
    "nc",
    "telnet",
    "script",
    "ncat",
    "openssl",
    "redis-server",
    "chromium",
    "prlimit",
    "taskset",
    "python3",
  ]);
  assert.deepEqual(missing.packages, [
    "netcat-openbsd",
    "telnet",
    "bsdutils",
    "ncat",
    "openssl",
    "redis-server",
    "chromium",
    "util-linux",
    "python3-minimal",
  ]);
  const one = findMissing(
    PREREQUISITES,
    only("nc", "script", "ncat", "openssl", "redis-server", "chromium", "prlimit", "python3"),
  );
  assert.deepEqual(one, { commands: ["telnet", "taskset"], packages: ["telnet", "util-linux"] });
});

Deno.test("prerequisites plan: as root, apt-get update once then install only what is missing", () => {
  const missing = { commands: ["telnet", "ncat"], packages: ["telnet", "ncat"] };
  assert.deepEqual(planInstall(missing, "root", true), {
    kind: "install",
    packages: ["telnet", "ncat"],
    update: ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-q"],
    install: [
      "env",
      "DEBIAN_FRONTEND=noninteractive",
      "apt-get",
      "install",
      "-y",
      "-q",
      "telnet",
      "ncat",
    ],
  });
});

Deno.test("prerequisites plan: with passwordless sudo, the same commands go through sudo -n", () => {
  const plan = planInstall({ commands: ["nc"], packages: ["netcat-openbsd"] }, "sudo", true);
  assert.equal(plan.kind, "install");
  if (plan.kind !== "install") return;
  assert.deepEqual(plan.update.slice(0, 5), [
    "sudo",
    "-n",
    "env",
    "DEBIAN_FRONTEND=noninteractive",
    "apt-get",
  ]);
  assert.deepEqual(plan.install.slice(-4), ["install", "-y", "-q", "netcat-openbsd"]);
});

Deno.test("prerequisites plan: without privilege, one line that names what is missing and the command", () => {
  const missing = { commands: ["telnet", "taskset"], packages: ["telnet", "util-linux"] };
  const plan = planInstall(missing, "none", true);
  assert.deepEqual(plan, {
    kind: "manual",
    line: "prerequisites: the tests need telnet, taskset, not found on PATH; install them with: " +
      "sudo apt-get update && sudo apt-get install -y telnet util-linux",
  });
  if (plan.kind === "manual") assert.ok(!plan.line.includes("\n"));
});

Deno.test("prerequisites plan: root without apt-get gets the line, with no sudo in it", () => {
  const missing = { commands: ["ncat"], packages: ["ncat"] };
  assert.deepEqual(planInstall(missing, "root", false), {
    kind: "manual",
    line: missingLine(missing, "root"),
  });
  assert.equal(manualCommand(["ncat"], "root"), "apt-get update && apt-get install -y ncat");
  assert.equal(
    manualCommand(["ncat"], "sudo"),
    "sudo apt-get update && sudo apt-get install -y ncat",
  );
});
