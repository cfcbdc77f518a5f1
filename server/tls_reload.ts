/**
 * Certificate reload without a restart: on SIGHUP the TLS files are read
 * and checked again, and each TLS listener is rebound with them.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  loadTlsCertificate,
  type TlsCertificate,
  TlsError,
  type TlsFiles,
  warnIfInvalid,
} from "./tls.ts";

const log = getLogger(["echochat", "tls"]);

/**
 * What rebinds a TLS listener with a new certificate: the reactor, or the
 * supervisor of several (`--workers`). Resolves to `null` when a stop
 * began meanwhile, to anything else once rebound.
 */
export interface TlsRebinder {
  replaceTls(name: string, tls: { cert: string; key: string }): Promise<unknown>;
}

/** What a {@link TlsReloader} serves and where. */
export interface TlsReloadOptions {
  /** The certificate and key files, read again on every reload. */
  files: TlsFiles;
  /** Address the listeners bind (for the check that builds a throwaway listener). */
  hostname: string;
  /** Names of the TLS listeners to rebind, e.g. `echo-tls`, `chat-tls`. */
  listeners: readonly string[];
  /** The certificate served now. */
  current: TlsCertificate;
}

/**
 * Reloads the TLS certificate of running listeners.
 *
 * Deno cannot change the certificate of a live TLS listener, so a reload
 * checks the new pair first (a bad one changes nothing: one error line, and
 * the old certificate stays), then rebinds each listener with
 * `Reactor.replaceTls`. Open connections keep the session they have; new
 * ones get the new certificate. Reloads never overlap: a request during
 * one runs once more after it, so the files' latest state always wins.
 */
export class TlsReloader {
  readonly #reactor: TlsRebinder;
  readonly #options: TlsReloadOptions;
  #current: TlsCertificate;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(reactor: TlsRebinder, options: TlsReloadOptions) {
    this.#reactor = reactor;
    this.#options = options;
    this.#current = options.current;
  }

  /** The certificate served to new connections. */
  get current(): TlsCertificate {
    return this.#current;
  }

  /** Reads, checks and applies the files; resolves when done (errors are logged, not thrown). */
  reload(): Promise<void> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#reloadOnce();
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #reloadOnce(): Promise<void> {
    const { files, hostname, listeners } = this.#options;
    const previous = this.#current;
    let next: TlsCertificate;
    try {
      next = await loadTlsCertificate(files, hostname);
    } catch (error) {
      if (!(error instanceof TlsError)) throw error;
      log.error("TLS reload failed, still serving {fingerprint}: {error}", {
        fingerprint: previous.fingerprint,
        error: error.message,
      });
      return;
    }
    if (next.cert === previous.cert && next.key === previous.key) {
      log.info("TLS certificate unchanged ({fingerprint}): nothing to reload", {
        fingerprint: next.fingerprint,
      });
      return;
    }
    const rebound: string[] = [];
    for (const name of listeners) {
      try {
        if (await this.#reactor.replaceTls(name, { cert: next.cert, key: next.key }) === null) {
          return; // stopping
        }
        rebound.push(name);
      } catch (error) {
        log.error(
          "TLS listener {listener} could not be bound again: {error}; it accepts no new connections",
          { listener: name, error: error instanceof Error ? error.message : String(error) },
        );
      }
    }
    this.#current = next;
    if (rebound.length === 0) return;
    log.info(
      "TLS certificate reloaded: {listeners} now serve {subject} ({fingerprint}), valid until {validTo}; open connections keep theirs",
      {
        listeners: rebound.join(", "),
        subject: next.subject,
        fingerprint: next.fingerprint,
        previousFingerprint: previous.fingerprint,
        validTo: next.validTo?.toISOString() ?? null,
      },
    );
    warnIfInvalid(next, files);
  }
}

/**
 * SIGHUP reloads the certificate (as it makes nginx and HAProxy re-read
 * theirs). Returns a function that removes the handler. Not on Windows,
 * which has no SIGHUP.
 */
export function reloadOnHangup(reloader: TlsReloader): () => void {
  if (Deno.build.os === "windows") return () => {};
  const handler = () => {
    log.info("SIGHUP: reloading the TLS certificate");
    reloader.reload();
  };
  Deno.addSignalListener("SIGHUP", handler);
  return () => Deno.removeSignalListener("SIGHUP", handler);
}
