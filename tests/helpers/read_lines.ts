/**
 * Lines of a child process's output as they arrive: what the test
 * helpers, the soak and the benchmark read a server's log and a tool's
 * report with.
 */

/**
 * Calls `onLine` with each line of `stream` (without its `\n`), the last
 * one too if it has no newline. Resolves when the stream ends; an error
 * (the process was killed) ends it like its end does, keeping what was read.
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      for (let newline; (newline = rest.indexOf("\n")) !== -1;) {
        onLine(rest.slice(0, newline));
        rest = rest.slice(newline + 1);
      }
    }
  } catch {
    // the stream errors when the process is killed; what was read is kept
  }
  if (rest !== "") onLine(rest);
}
