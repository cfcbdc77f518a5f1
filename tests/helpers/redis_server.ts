/**
 * A real `redis-server` for tests: on a free port of 127.0.0.1, with no
 * persistence (`--save '' --appendonly no`), so a restart starts empty the
 * way a crashed cache does. Tests can kill it and start it again on the
 * same port.
 */

/** A Redis the test controls. */
export interface RedisServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT/0`. */
  readonly url: string;
  /** Whether it runs now. */
  readonly running: boolean;
  /** Kills it (SIGKILL by default: a crash) and waits until it is gone. */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Starts it again on the same port, empty; resolves once it accepts connections. */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The flags of a throwaway Redis on 127.0.0.1:`port`: no persistence, so
 * every start is empty and nothing is written to disk.
 */
export function ephemeralRedisArgs(port: number): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "no",
  ];
}

/** A port that was free a moment ago. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function spawn(port: number): Promise<Deno.ChildProcess> {
  const child = new Deno.Command("redis-server", {
    // notice: the log says when it accepts connections.
    args: [...ephemeralRedisArgs(port), "--loglevel", "notice"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  child.stderr.cancel();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    while (!seen.includes("Ready to accept connections")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`redis-server did not start on port ${port}:\n${seen}`);
      seen += value;
    }
  } finally {
    clearTimeout(deadline);
  }
  // Keep draining its log so it never blocks on a full pipe.
  (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* gone */ }
  })();
  return child;
}

/** Starts a Redis on a free port and resolves once it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  const port = freePort();
  let child: Deno.ChildProcess | null = await spawn(port);
  const stop = async (signal: Deno.Signal = "SIGKILL") => {
    if (child === null) return;
    const gone = child;
    child = null;
    try {
      gone.kill(signal);
    } catch { /* already exited */ }
    await gone.status;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    get running() {
      return child !== null;
    },
    stop,
    async restart() {
      await stop();
      child = await spawn(port);
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}
