/**
 * What the fault tests read about the server process, and bounded waits.
 *
 * Deno asks for `--allow-all` to read `/proc/PID/...` itself, so the files
 * are read by `cat` and `ls` (the tests may run programs).
 */

/** Resident memory of `pid` in KiB (`VmRSS` of `/proc/PID/status`). Throws if it is gone. */
export async function rssKiB(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`], stderr: "null" })
    .output();
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(new TextDecoder().decode(out.stdout));
  if (!out.success || match === null) throw new Error(`process ${pid} is gone`);
  return Number(match[1]);
}

/**
 * The sockets `pid` holds open (its listeners and connections), as
 * `socket:[inode]` names. Throws if it is gone. Other descriptors are left
 * out: the runtime opens and closes its own files (caches) as it likes.
 */
export async function openSockets(pid: number): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  const out = await new Deno.Command("find", {
    args: [dir, "-mindepth", "1", "-lname", "socket:*", "-printf", "%l\\n"],
    stderr: "null",
  }).output();
  // find fails too when a descriptor closes while it looks: only a missing directory means gone.
  if (!out.success && !(await new Deno.Command("test", { args: ["-d", dir] }).output()).success) {
    throw new Error(`process ${pid} is gone`);
  }
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
}

/** `ss` lines of the TCP sockets of `pid`, to show in a failure message (empty without `ss`). */
export async function describeSockets(pid: number): Promise<string> {
  try {
    const out = await new Deno.Command("ss", { args: ["-tanp"], stderr: "null" }).output();
    const lines = new TextDecoder().decode(out.stdout).split("\n");
    return lines.filter((l) => l.includes(`pid=${pid},`)).join("\n");
  } catch {
    return "";
  }
}

/** Resolves `promise`, or rejects after `ms` with `what` (a bound, not a timing assertion). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `check` every `everyMs` until it returns true; throws after `ms`
 * with `what` and the last value `describe` gives.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
  describe: () => string | Promise<string> = () => "",
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Whether `status` has settled (the process exited), without waiting. */
export async function hasExited(status: Promise<unknown>): Promise<boolean> {
  const pending = Symbol("pending");
  const first = await Promise.race([status, Promise.resolve(pending)]);
  return first !== pending;
}
