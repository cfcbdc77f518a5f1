import assert from "node:assert/strict";
import { onPath } from "../prerequisites/real_system.ts";

Deno.test("prerequisites onPath: finds executables in PATH's directories, not other files", () => {
  const a = Deno.makeTempDirSync();
  const b = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${b}/tool`, "#!/bin/sh\n", { mode: 0o755 });
    Deno.writeTextFileSync(`${b}/notes`, "", { mode: 0o644 });
    Deno.mkdirSync(`${b}/dir`);
    assert.equal(onPath("tool", `${a}::${b}`), true);
    assert.equal(onPath("notes", `${a}:${b}`), false);
    assert.equal(onPath("dir", `${a}:${b}`), false);
    assert.equal(onPath("tool", a), false);
    assert.equal(onPath("tool", ""), false);
  } finally {
    Deno.removeSync(a, { recursive: true });
    Deno.removeSync(b, { recursive: true });
  }
});
