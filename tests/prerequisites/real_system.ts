/**
 * The real machine for the prerequisites step: PATH lookups, the user id,
 * passwordless sudo, and subprocesses.
 */
import type { System } from "./ensure.ts";
import type { Privilege } from "./plan.ts";

/** Whether `command` is an executable file in one of PATH's directories. */
export function onPath(command: string, path = Deno.env.get("PATH") ?? ""): boolean {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    try {
      const info = Deno.statSync(`${dir}/${command}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

async function run(argv: readonly string[]): Promise<{ success: boolean; output: string }> {
  const [program, ...args] = argv;
  if (program === undefined) throw new TypeError("run: empty argv");
  try {
    const result = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: result.success,
      output: decoder.decode(result.stdout) + decoder.decode(result.stderr),
    };
  } catch (error) {
    return { success: false, output: `${program}: ${(error as Error).message}` };
  }
}

async function privilege(): Promise<Privilege> {
  if (Deno.uid() === 0) return "root";
  if (onPath("sudo") && (await run(["sudo", "-n", "true"])).success) return "sudo";
  return "none";
}

/** The `System` that `tests/prerequisites.ts` runs against. */
export const realSystem: System = {
  has: (command) => onPath(command),
  privilege,
  run,
  print: (line) => console.error(line),
};
