/**
 * The one check every refused command line gets, wherever its flags are
 * tested: exit code 2, nothing on stdout, one line on stderr that names
 * the program and says what is wrong.
 */
import assert from "node:assert/strict";
import { runProgram } from "./server_process.ts";

/** A command line (and environment) the program must refuse, and what its line says. */
export interface BadInvocation {
  args: string[];
  env?: Record<string, string>;
  says: RegExp;
}

/** Registers one test per invocation, named `<area>: <args> exits 2 with one line`. */
export function testBadInvocations(area: string, invocations: readonly BadInvocation[]): void {
  for (const { args, env, says } of invocations) {
    const environment = env ? ` ${JSON.stringify(env)}` : "";
    Deno.test(`${area}: ${JSON.stringify(args)}${environment} exits 2 with one line`, async () => {
      const { code, stdout, stderr } = await runProgram(args, env);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      const lines = stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
      assert.match(lines[0]!, /^echochat: /);
      assert.match(lines[0]!, says);
    });
  }
}
