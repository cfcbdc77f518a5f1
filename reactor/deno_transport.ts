import type {
  Dispatchable,
  ListenerEvents,
  Transport,
  TransportEvents,
  TransportListener,
} from "./transport.ts";

/** Read buffer sizes of the `deno` transport. */
export interface DenoReadOptions {
  /** First read buffer; small because an idle connection keeps a read pending into it. */
  initialReadBytes: number;
  /** Largest read buffer a busy connection grows to. */
  maxReadBytes: number;
}

/**
 * A transport over `Deno.Conn` completion ops. One `conn.read` is pending at
 * a time, into a buffer that starts small and grows four-fold while reads
 * fill it, shrinking again when reads get small. A completed read is not
 * handled in its promise callback: it goes through the reactor's dispatcher
 * (`schedule`), which serves a bounded number per turn, in FIFO order.
 */
class DenoTransport implements Transport, Dispatchable {
  readonly remoteAddr: Deno.NetAddr;
  readonly #conn: Deno.TcpConn;
  readonly #schedule: (item: Dispatchable) => void;
  readonly #options: DenoReadOptions;
  #events: TransportEvents | null = null;
  #buffer: Uint8Array;
  #reading = false;
  #paused = true;
  #closed = false;
  #result: number | null = 0;

  constructor(
    conn: Deno.TcpConn,
    schedule: (item: Dispatchable) => void,
    options: DenoReadOptions,
  ) {
    this.#conn = conn;
    this.#schedule = schedule;
    this.#options = options;
    this.remoteAddr = conn.remoteAddr;
    this.#buffer = new Uint8Array(options.initialReadBytes);
    try {
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
    } catch {
      // The peer may already be gone; the first read reports it.
    }
  }

  attach(events: TransportEvents): void {
    this.#events = events;
  }

  resumeReading(): void {
    this.#paused = false;
    this.#read();
  }

  pauseReading(): void {
    this.#paused = true;
  }

  dispatch(): void {
    const events = this.#events;
    if (this.#closed || events === null) return;
    const n = this.#result;
    if (n === null) {
      events.onEnd();
      return;
    }
    // The buffer is reused for the next read: hand over a copy.
    events.onData(this.#buffer.slice(0, n));
    this.#adapt(n);
    this.#read();
  }

  write(bytes: Uint8Array): void {
    const conn = this.#conn;
    const writeFrom = (offset: number): void => {
      conn.write(offset === 0 ? bytes : bytes.subarray(offset)).then(
        (n) => offset + n < bytes.length ? writeFrom(offset + n) : this.#events?.onWritten(),
        (error) => {
          if (!this.#closed) this.#events?.onWritten(error);
        },
      );
    };
    writeFrom(0);
  }

  shutdownWrite(done: (error?: unknown) => void): void {
    this.#conn.closeWrite().then(() => done(), (error) => done(error));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by Deno after an error.
    }
  }

  #read(): void {
    if (this.#reading || this.#paused || this.#closed) return;
    this.#reading = true;
    this.#conn.read(this.#buffer).then(
      (n) => {
        this.#reading = false;
        this.#result = n;
        this.#schedule(this);
      },
      (error) => {
        this.#reading = false;
        if (!this.#closed) this.#events?.onError(error);
      },
    );
  }

  #adapt(n: number): void {
    const size = this.#buffer.length;
    const { initialReadBytes, maxReadBytes } = this.#options;
    if (n === size && size < maxReadBytes) {
      this.#buffer = new Uint8Array(Math.min(size * 4, maxReadBytes));
    } else if (size > initialReadBytes && n <= size / 16) {
      this.#buffer = new Uint8Array(Math.max(size / 4, initialReadBytes));
    }
  }
}

/** A `Deno.listen` listener with an accept loop that backs off on errors. */
class DenoListener implements TransportListener {
  readonly addr: Deno.NetAddr;
  readonly #listener: Deno.TcpListener;
  #closed = false;
  #backoff: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;

  constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.addr = listener.addr;
  }

  async acceptLoop(
    events: ListenerEvents,
    schedule: (item: Dispatchable) => void,
    options: DenoReadOptions,
  ): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        failures++;
        events.onAcceptError(error);
        await this.#sleep(Math.min(1000, 5 * 2 ** Math.min(failures, 8)));
        continue;
      }
      failures = 0;
      events.onAccept(new DenoTransport(conn, schedule, options));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    if (this.#backoff !== null) {
      clearTimeout(this.#backoff.timer);
      this.#backoff.resolve();
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#backoff = {
        timer: setTimeout(() => {
          this.#backoff = null;
          resolve();
        }, ms),
        resolve,
      };
    });
  }
}

/**
 * Binds `hostname:port` with `Deno.listen` and starts accepting. Throws
 * Deno's bind error (`AddrInUse`, `PermissionDenied`, `AddrNotAvailable`).
 */
export function listenDeno(
  hostname: string,
  port: number,
  events: ListenerEvents,
  schedule: (item: Dispatchable) => void,
  options: DenoReadOptions,
): TransportListener {
  const listener = new DenoListener(Deno.listen({ hostname, port }));
  listener.acceptLoop(events, schedule, options);
  return listener;
}
