/**
 * Debian's headless Chromium, driven from its command line: it loads a
 * page, runs its scripts, and prints the rendered DOM or takes a
 * screenshot. Each run gets a fresh profile directory and is killed if it
 * does not finish in time.
 */
import { deadline } from "./deadline.ts";

/** Longest one Chromium run may take. */
const RUN_LIMIT_MS = 60_000;

/**
 * Virtual time Chromium gives the page before it dumps or shoots: timers
 * fire without real waiting, and network requests pause the virtual clock,
 * so the page's first `/stats.json` fetch and its render are done by then.
 */
const VIRTUAL_TIME_MS = 3000;

/** Flags for a quiet, sandbox-free (we run as root in CI), network-silent headless run. */
function baseArgs(profile: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${VIRTUAL_TIME_MS}`,
  ];
}

async function run(args: string[]): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "echochat-chromium-" });
  const child = new Deno.Command("chromium", {
    args: [...baseArgs(profile), ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const output = await deadline(child.output(), RUN_LIMIT_MS, "chromium finishing");
    if (!output.success) {
      throw new Error(`chromium failed: ${new TextDecoder().decode(output.stderr).slice(-2000)}`);
    }
    return new TextDecoder().decode(output.stdout);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    throw error;
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** The DOM of `url` after its scripts ran, serialized as HTML. */
export function dumpDom(url: string): Promise<string> {
  return run(["--dump-dom", url]);
}

/** Saves a PNG screenshot of `url` at `width` x `height` CSS pixels to `path`. */
export async function screenshot(
  url: string,
  path: string,
  width: number,
  height: number,
): Promise<void> {
  await run([`--screenshot=${path}`, `--window-size=${width},${height}`, url]);
}
