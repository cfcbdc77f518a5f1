/**
 * A node id names one server process for as long as it runs: the prefix of
 * its users' ids and the sender of its events. Two processes never share
 * one, even on one machine after a pid is reused, and a person reading
 * Redis can tell which machine and process a key belongs to.
 *
 * @module
 */

/** Longest host part kept, so keys stay short. */
const MAX_HOST_LENGTH = 48;

/**
 * `host:pid:random`, e.g. `web-1:4242:9f1c2ab0`. Only `[A-Za-z0-9._-]` and
 * `:` appear, never `/` (the separator in user ids) and nothing that could
 * change a Redis key's meaning.
 */
export function createNodeId(
  hostname: () => string = Deno.hostname,
  pid: number = Deno.pid,
): string {
  let host: string;
  try {
    host = hostname();
  } catch {
    host = "host"; // not allowed to read the hostname (--allow-sys=hostname): pid + random suffice
  }
  const clean = host.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, MAX_HOST_LENGTH) || "host";
  const random = crypto.getRandomValues(new Uint8Array(4));
  const hex = [...random].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${clean}:${pid}:${hex}`;
}
