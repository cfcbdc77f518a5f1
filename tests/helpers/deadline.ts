/**
 * Bounds a wait that only a bug makes long: resolves with `promise`, or
 * rejects after `ms` saying what did not happen. The timer is always
 * cleared, so tests keep Deno's timer sanitizer happy.
 */
export async function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
