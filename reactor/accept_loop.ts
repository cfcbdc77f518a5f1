/**
 * What an accept error means for the listener.
 *
 * - `peer`: it concerns one connection that was reset or left before it
 *   was accepted (`ENOTCONN`, `ECONNABORTED`, `ECONNRESET`). The listener is
 *   fine: skip it at once.
 * - `resources`: the process or the system is out of descriptors or memory
 *   (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`). Retrying at once would spin.
 * - `other`: anything else; treated like `resources`.
 */
export type AcceptErrorKind = "peer" | "resources" | "other";

/** Sorts an error of `listener.accept()` into an {@link AcceptErrorKind}. */
function classifyAcceptError(error: unknown): AcceptErrorKind {
  if (
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset
  ) return "peer";
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOTCONN" || code === "ECONNABORTED" || code === "ECONNRESET") return "peer";
  if (code === "EMFILE" || code === "ENFILE" || code === "ENOBUFS" || code === "ENOMEM") {
    return "resources";
  }
  return "other";
}

/** What an {@link AcceptLoop} reports. */
export interface AcceptEvents {
  /** A connection was accepted. */
  accepted(conn: Deno.Conn): void;
  /** `accept()` failed; `failures` counts failures in a row that backed off (0 for `peer`). */
  failed(error: unknown, kind: AcceptErrorKind, failures: number): void;
  /** Accepting works again after `failures` failures in a row. */
  resumed(failures: number): void;
}

/** First and longest pause after an accept failure that is not the peer's, in milliseconds. */
const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 250;

/**
 * Accepts connections from one `Deno.Listener` until closed.
 *
 * An error that concerns one peer is skipped at once. Any other error
 * (typically running out of descriptors) pauses accepting, 10 ms at first
 * and doubling up to 250 ms, so the loop never spins while existing
 * connections are served; {@link AcceptLoop.retry} ends the pause early,
 * for example when a connection closes and frees a descriptor.
 */
export class AcceptLoop {
  readonly #listener: Deno.Listener;
  readonly #events: AcceptEvents;
  #closed = false;
  #running: Promise<void> | null = null;
  #pause: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;

  constructor(listener: Deno.Listener, events: AcceptEvents) {
    this.#listener = listener;
    this.#events = events;
  }

  /** Accepts until {@link AcceptLoop.close}; resolves then. */
  run(): Promise<void> {
    return this.#running ??= this.#accept();
  }

  async #accept(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        const kind = classifyAcceptError(error);
        if (kind === "peer") {
          this.#events.failed(error, kind, 0);
          continue;
        }
        failures++;
        this.#events.failed(error, kind, failures);
        await this.#sleep(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failures - 1)));
        continue;
      }
      if (failures > 0) {
        this.#events.resumed(failures);
        failures = 0;
      }
      this.#events.accepted(conn);
    }
  }

  /** Ends a pause after a failure now (a descriptor may be free again). */
  retry(): void {
    const pause = this.#pause;
    if (pause === null) return;
    this.#pause = null;
    clearTimeout(pause.timer);
    pause.resolve();
  }

  /**
   * Stops accepting and closes the listener. Idempotent. Resolves once the
   * loop has ended: the pending `accept()` has settled, so the socket is
   * released and its address can be bound again.
   */
  close(): Promise<void> {
    const ended = this.#running ?? Promise.resolve();
    if (this.#closed) return ended;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    this.retry();
    return ended;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#pause = {
        timer: setTimeout(() => {
          this.#pause = null;
          resolve();
        }, ms),
        resolve,
      };
    });
  }
}
