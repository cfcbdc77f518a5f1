/**
 * The certificate of the TLS listeners: read from the `--tls-cert` and
 * `--tls-key` files, checked the way the listeners will use it, and
 * described for the log. This is the only module that reads files, and it
 * reads only these two (hence `--allow-read` in the start and compile
 * tasks).
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { getLogger } from "@logtape/logtape";

const log = getLogger(["echochat", "tls"]);

/** Where the certificate chain and its private key are (PEM files). */
export interface TlsFiles {
  /** Path of the certificate chain, server certificate first (`--tls-cert`). */
  cert: string;
  /** Path of the private key (`--tls-key`). */
  key: string;
}

/** The TLS files and the certificate read from them: what a run serves and SIGHUP reloads. */
export interface LoadedTls {
  files: TlsFiles;
  certificate: TlsCertificate;
}

/** A certificate chain and key that `Deno.listenTls` accepted, with what the log says of it. */
export interface TlsCertificate {
  /** The certificate chain, PEM, as read. */
  cert: string;
  /** The private key, PEM, as read. */
  key: string;
  /** SHA-256 fingerprint of the server certificate (`AB:CD:...`, as openssl prints it), or `null` if unreadable. */
  fingerprint: string | null;
  /** Its subject (`CN=localhost`), or `null` if unreadable. */
  subject: string | null;
  /** Start of its validity, or `null` if unreadable. */
  validFrom: Date | null;
  /** End of its validity, or `null` if unreadable. */
  validTo: Date | null;
}

/**
 * The TLS certificate or key cannot be used. Its message is one line that
 * names the file and the flag and says what would work. At startup it
 * means exit code 2; on a reload, the old certificate stays.
 */
export class TlsError extends Error {
  override name = "TlsError";
}

/**
 * Largest certificate or key file read, in bytes. A real chain is a few
 * KiB; the bound keeps a wrong path (`/dev/zero`, a log file) from filling
 * memory.
 */
export const MAX_PEM_BYTES = 1024 * 1024;

const FLAGS = { cert: "--tls-cert", key: "--tls-key" } as const;
const WHAT = { cert: "certificate", key: "private key" } as const;

/**
 * Reads both files and checks the pair by building a TLS listener from it
 * on `hostname`, port 0, closed at once: the same `Deno.listenTls` (rustls)
 * parsing and key check the real listeners go through, so a pair that
 * passes here binds there. Throws {@link TlsError} with one line for an
 * unreadable file, a file without PEM data, an encrypted or unsupported key,
 * or a key that does not belong to the certificate.
 */
export async function loadTlsCertificate(
  files: TlsFiles,
  hostname: string,
): Promise<TlsCertificate> {
  const cert = await readPem(files.cert, "cert");
  const key = await readPem(files.key, "key");
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key)) {
    throw new TlsError(
      `The TLS private key "${files.key}" (--tls-key) is encrypted: give it unencrypted ` +
        `(openssl pkey -in KEY -out PLAIN.key asks for the passphrase once)`,
    );
  }
  try {
    Deno.listenTls({ hostname, port: 0, cert, key }).close();
  } catch (error) {
    const problem = describePairError(error, files);
    // Not about the pair (the host does not resolve, say): binding the real
    // listener reports it the way every listener's bind error is reported.
    if (problem !== null) throw new TlsError(problem);
  }
  return { cert, key, ...describeCertificate(cert) };
}

/**
 * What the log says of a certificate: subject, fingerprint and validity,
 * from the first certificate of the chain. Every field is `null` when it
 * cannot be parsed (rustls accepted it, so the listeners serve it anyway).
 */
export function describeCertificate(
  cert: string,
): Pick<TlsCertificate, "fingerprint" | "subject" | "validFrom" | "validTo"> {
  try {
    const x509 = new X509Certificate(cert);
    const date = (text: string) => {
      const parsed = new Date(text);
      return Number.isNaN(parsed.getTime()) ? null : parsed;
    };
    return {
      fingerprint: x509.fingerprint256,
      subject: x509.subject.replaceAll("\n", ", "),
      validFrom: date(x509.validFrom),
      validTo: date(x509.validTo),
    };
  } catch {
    return { fingerprint: null, subject: null, validFrom: null, validTo: null };
  }
}

/**
 * Why clients would refuse the certificate now, or `null`: it has expired
 * or is not valid yet. The listeners still serve it (it may be renewed any
 * moment), so this is a warning, not an error.
 */
export function validityProblem(certificate: TlsCertificate, now = new Date()): string | null {
  const { validFrom, validTo } = certificate;
  if (validTo !== null && now > validTo) {
    return `expired on ${validTo.toISOString()}: clients will refuse it`;
  }
  if (validFrom !== null && now < validFrom) {
    return `is not valid before ${validFrom.toISOString()}: clients will refuse it until then`;
  }
  return null;
}

/** Logs the certificate the TLS listeners serve at startup. */
export function logTlsCertificate(
  certificate: TlsCertificate,
  files: TlsFiles,
  listeners: readonly string[],
): void {
  log.info(
    "TLS certificate {subject} ({fingerprint}), valid until {validTo}, from {certFile} on {listeners}",
    {
      subject: certificate.subject,
      fingerprint: certificate.fingerprint,
      validTo: certificate.validTo?.toISOString() ?? null,
      certFile: files.cert,
      keyFile: files.key,
      listeners: listeners.join(", "),
    },
  );
  warnIfInvalid(certificate, files);
}

/** Warns when the certificate has expired or is not valid yet. */
export function warnIfInvalid(certificate: TlsCertificate, files: TlsFiles): void {
  const problem = validityProblem(certificate);
  if (problem !== null) {
    log.warn("The TLS certificate {certFile} {problem}", { certFile: files.cert, problem });
  }
}

/** Reads one PEM file, at most {@link MAX_PEM_BYTES}, as text. */
async function readPem(path: string, which: "cert" | "key"): Promise<string> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    using file = await Deno.open(path);
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const n = await file.read(buffer);
      if (n === null) break;
      total += n;
      if (total > MAX_PEM_BYTES) {
        throw new TlsError(
          `The TLS ${WHAT[which]} "${path}" (${FLAGS[which]}) is larger than ` +
            `${MAX_PEM_BYTES / 1024 / 1024} MiB: it is not a PEM file`,
        );
      }
      parts.push(buffer.slice(0, n));
    }
  } catch (error) {
    if (error instanceof TlsError) throw error;
    throw new TlsError(describeReadError(error, path, which));
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return new TextDecoder().decode(bytes);
}

/** One line for a certificate or key file that cannot be read. */
export function describeReadError(error: unknown, path: string, which: "cert" | "key"): string {
  const where = `the TLS ${WHAT[which]} "${path}" (${FLAGS[which]})`;
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Deno.errors.NotCapable) {
    return `Not allowed to read ${where}: run with --allow-read (the start and compile tasks grant it)`;
  }
  if (error instanceof Deno.errors.NotFound || code === "ENOENT") {
    return `Cannot read ${where}: there is no such file`;
  }
  if (error instanceof Deno.errors.PermissionDenied || code === "EACCES") {
    return `Cannot read ${where}: permission denied (check the file's owner and mode)`;
  }
  if (error instanceof Deno.errors.IsADirectory || code === "EISDIR") {
    return `Cannot read ${where}: it is a directory, not a file`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Cannot read ${where}: ${message}`;
}

/**
 * One line for a pair `Deno.listenTls` refused, or `null` when the error is
 * not about the pair. The texts matched are rustls's and Deno's; anything
 * unknown that still mentions keys or certificates is reported verbatim.
 */
export function describePairError(error: unknown, files: TlsFiles): string | null {
  const message = error instanceof Error ? error.message : String(error);
  const cert = `The TLS certificate "${files.cert}" (--tls-cert)`;
  const key = `The TLS private key "${files.key}" (--tls-key)`;
  if (/No certificates found/i.test(message)) {
    return `${cert} holds no PEM certificate: expected a "-----BEGIN CERTIFICATE-----" block`;
  }
  if (/decode certificate/i.test(message)) {
    return `${cert} holds a damaged PEM certificate: its base64 does not decode to a certificate`;
  }
  if (/No keys found/i.test(message)) {
    return `${key} holds no PEM private key: expected a "-----BEGIN PRIVATE KEY-----" block ` +
      `(or RSA PRIVATE KEY, EC PRIVATE KEY)`;
  }
  if (/decode key/i.test(message)) {
    return `${key} holds a damaged PEM private key: its base64 does not decode to a key`;
  }
  if (/KeyMismatch|not be consistent/i.test(message)) {
    return `${key} does not belong to the certificate "${files.cert}" (--tls-cert): ` +
      `give the key the certificate was made for, and the server certificate first in the chain`;
  }
  if (/parse private key/i.test(message)) {
    return `${key} is of a kind TLS here cannot use: give an RSA, ECDSA (P-256, P-384) or Ed25519 key`;
  }
  if (
    error instanceof Deno.errors.InvalidData || /certificate|private key|\bkeys?\b/i.test(message)
  ) {
    return `The TLS certificate "${files.cert}" and key "${files.key}" were refused: ${message}`;
  }
  return null;
}
