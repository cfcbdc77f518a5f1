/**
 * `deno compile` cannot run here (its runtime download is blocked), so
 * these tests guard what makes the program compile-safe: a static module
 * graph of local files and pinned npm packages, no file reads or dynamic
 * imports, and permissions that match the compile task.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { ENV_NAMES } from "../../server/config.ts";
import { COMPILE_PERMISSIONS } from "../helpers/server_process.ts";

const ROOT = new URL("../../", import.meta.url).href;

interface ModuleInfo {
  specifier: string;
  local?: string;
}

Deno.test("compile safety: the program's module graph is local files and pinned npm packages", async () => {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: new URL(ROOT).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(info.code, 0, new TextDecoder().decode(info.stderr));
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    modules: ModuleInfo[];
    npmPackages?: Record<string, unknown>;
  };
  const local = graph.modules.filter((m) => m.specifier.startsWith("file://"));
  const other = graph.modules.filter((m) => !m.specifier.startsWith("file://"));
  const foreign = other.filter((m) => !/^(npm|node):/.test(m.specifier));
  assert.deepEqual(
    foreign.map((m) => m.specifier),
    [],
    "only npm: and node: modules may be remote",
  );
  for (const module of local) {
    assert.ok(module.specifier.startsWith(ROOT), `${module.specifier} is outside the project`);
    if (!module.specifier.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(new URL(module.specifier));
    assert.doesNotMatch(source, /\bimport\s*\(/, `${module.specifier} has a dynamic import`);
    assert.doesNotMatch(
      source,
      /Deno\.(readFile|readTextFile|open|readDir)\b/,
      `${module.specifier} reads files at run time`,
    );
  }
  assert.ok(
    Object.keys(graph.npmPackages ?? {}).every((name) => /^@(logtape|redis)\//.test(name)),
    Object.keys(graph.npmPackages ?? {}).join(", "),
  );
});

Deno.test("compile safety: start and compile grant the same, minimal permissions", () => {
  // @redis/client reads its two debug switches; the node id names the host.
  assert.deepEqual([...COMPILE_PERMISSIONS].sort(), [
    "--allow-env=ECHOCHAT_*,REDIS_DEBUG_MAINTENANCE,REDIS_EMIT_DIAGNOSTICS",
    "--allow-net",
    "--allow-sys=hostname",
  ]);
  const startPermissions = denoJson.tasks.start.split(/\s+/).filter((w) =>
    w.startsWith("--allow-")
  );
  assert.deepEqual(startPermissions.sort(), [...COMPILE_PERMISSIONS].sort());
  assert.ok(ENV_NAMES.every((name) => name.startsWith("ECHOCHAT_")));
  assert.match(denoJson.tasks.compile, /--output dist\/echochat main\.ts$/);
});
