/**
 * `deno compile` cannot run here (its runtime download is blocked), so
 * these tests guard what makes the program compile-safe: a static module
 * graph of local files and pinned npm packages, no dynamic imports, no file
 * reads except the TLS certificate and key the user names, and permissions
 * that match the compile task.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { ENV_NAMES } from "../../server/config.ts";
import { COMPILE_PERMISSIONS } from "../helpers/server_process.ts";

const ROOT = new URL("../../", import.meta.url).href;

/** The one module that reads files: the --tls-cert and --tls-key files, never the source tree. */
const FILE_READERS = [new URL("server/tls.ts", ROOT).href];

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
    if (FILE_READERS.includes(module.specifier)) {
      assert.doesNotMatch(
        source,
        /import\.meta\.(url|dirname|filename)/,
        "reads relative to the source",
      );
      continue;
    }
    assert.doesNotMatch(
      source,
      /Deno\.(readFile|readTextFile|open|readDir)\b/,
      `${module.specifier} reads files at run time`,
    );
  }
  const programPackages = other.filter((m) => m.specifier.startsWith("npm:"))
    .map((m) => m.specifier.replace(/^npm:\/?/, "").replace(/@[^@]*$/, ""));
  assert.deepEqual(programPackages.sort(), [
    "@logtape/logtape",
    "@redis/client",
    "ipaddr.js",
    "prom-client",
  ]);
  const lock = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT))) as {
    npm: Record<string, unknown>;
  };
  for (const name of Object.keys(graph.npmPackages ?? {})) {
    // Every npm package in the graph, transitive ones too, is pinned in deno.lock.
    assert.ok(name in lock.npm, `${name} is not pinned in deno.lock`);
  }
});

Deno.test("compile safety: every worker thread's module is included in the compiled binary", async () => {
  // A worker's module is loaded by URL at run time, outside main.ts's static
  // graph: deno compile bundles it only when the task names it in --include.
  const supervisor = await Deno.readTextFile(
    new URL("server/workers/supervisor.ts", ROOT),
  );
  const workers = [...supervisor.matchAll(/new URL\("\.\/([^"]+)", import\.meta\.url\)/g)]
    .map((match) => `server/workers/${match[1]}`);
  assert.ok(workers.length > 0, "no worker module found: the test proves nothing");
  for (const module of workers) {
    assert.ok(denoJson.tasks.compile.includes(`--include ${module}`), `${module} not included`);
  }
});

Deno.test("compile safety: start and compile grant the same, minimal permissions", () => {
  // @redis/client reads its two debug switches; the node id names the host.
  assert.deepEqual([...COMPILE_PERMISSIONS].sort(), [
    "--allow-env=ECHOCHAT_*,REDIS_DEBUG_MAINTENANCE,REDIS_EMIT_DIAGNOSTICS",
    "--allow-net",
    "--allow-read",
    "--allow-sys=hostname",
    "--unstable-net",
  ]);
  const startPermissions = denoJson.tasks.start.split(/\s+/).filter((w) =>
    w.startsWith("--allow-") || w.startsWith("--unstable-")
  );
  assert.deepEqual(startPermissions.sort(), [...COMPILE_PERMISSIONS].sort());
  assert.ok(ENV_NAMES.every((name) => name.startsWith("ECHOCHAT_")));
  assert.match(denoJson.tasks.compile, /--output dist\/echochat main\.ts$/);
});
