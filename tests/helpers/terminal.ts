/**
 * Runs an interactive client (telnet, nc) the way a person does: through a
 * pseudo-terminal made by `script`, typing into it and reading the screen.
 */

/** A running interactive program. */
export class Terminal {
  /** Everything the program printed so far. */
  output = "";
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<void>;

  /** Starts `command` (a shell command line) in a pseudo-terminal. */
  constructor(command: string) {
    const child = new Deno.Command("script", {
      args: ["-qfec", command, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      env: { TERM: "dumb" },
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reading = (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        this.output += chunk;
      }
    })();
  }

  /** Types text (use `\r` for Enter, `\x03` for Ctrl-C, `\x1d` for telnet's Ctrl-]). */
  async type(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(text));
  }

  /** Waits until the screen shows `text` `times` times (bounded by `timeoutMs`). */
  async waitFor(text: string, { times = 1, timeoutMs = 10_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.output.split(text).length - 1 < times) {
      if (Date.now() > deadline) {
        throw new Error(
          `The terminal never showed ${JSON.stringify(text)} x${times}:\n${this.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Closes the keyboard and waits for the program to exit. */
  async close(): Promise<Deno.CommandStatus> {
    try {
      await this.#writer.close();
    } catch { /* already closed */ }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already exited */ }
    }, 5000);
    const status = await this.#child.status;
    clearTimeout(timer);
    await this.#reading;
    return status;
  }
}
