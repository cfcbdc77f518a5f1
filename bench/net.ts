/**
 * Loopback helpers: free ports and waiting until a server accepts.
 *
 * @module
 */
import { sleep } from "./procstat.ts";

/**
 * Returns `count` distinct free TCP ports on 127.0.0.1: binds port 0 that
 * many times at once, reads the ports and closes the listeners.
 */
export function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

/**
 * Waits until a TCP connect to `host:port` succeeds (the connection is
 * closed at once). Throws after `timeoutMs`, or as soon as `gaveUp()` says
 * the server process is gone.
 */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  gaveUp: () => string | null = () => null,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: host, port });
      conn.close();
      return;
    } catch (error) {
      const why = gaveUp();
      if (why !== null) throw new Error(why);
      if (performance.now() > deadline) {
        throw new Error(`nothing accepts on ${host}:${port} after ${timeoutMs} ms (${error})`);
      }
      await sleep(50);
    }
  }
}
