/**
 * Self-signed certificates for TLS tests, made by the real `openssl` in a
 * temporary directory, and the certificate a server actually serves, as
 * `openssl s_client` sees it.
 */

/** A certificate and its private key, as files and as PEM text. */
export interface TestCertificate {
  /** Path of the PEM certificate. */
  certFile: string;
  /** Path of the PEM private key (unencrypted PKCS#8). */
  keyFile: string;
  /** The certificate, PEM. */
  cert: string;
  /** The private key, PEM. */
  key: string;
  /** SHA-256 fingerprint as openssl prints it: `AB:CD:...`. */
  fingerprint: string;
}

/** A temporary directory, removed with everything in it when disposed. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "echochat-tls-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/**
 * Makes a self-signed P-256 certificate for `localhost` and 127.0.0.1 in
 * `dir` (files `NAME.crt` and `NAME.key`). It is marked as not a CA:
 * rustls, behind `Deno.connectTls`, refuses a CA certificate as a server's
 * own.
 */
export async function makeCertificate(dir: string, name: string): Promise<TestCertificate> {
  const certFile = `${dir}/${name}.crt`;
  const keyFile = `${dir}/${name}.key`;
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    `/CN=localhost`,
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  ]);
  return {
    certFile,
    keyFile,
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    fingerprint: await fingerprintOf(await Deno.readFile(certFile)),
  };
}

/**
 * The SHA-256 fingerprint of the certificate served on 127.0.0.1:`port`:
 * `openssl s_client` connects (stdin at EOF, so it leaves after the
 * handshake) and `openssl x509` reads the certificate it printed.
 */
export async function servedFingerprint(port: number): Promise<string> {
  const handshake = await run("openssl", [
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-servername",
    "localhost",
  ]);
  return await fingerprintOf(handshake);
}

/** The SHA-256 fingerprint of the first PEM certificate in `pem`. */
async function fingerprintOf(pem: Uint8Array): Promise<string> {
  const out = new TextDecoder().decode(
    await run("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], pem),
  );
  const match = /Fingerprint=([0-9A-F:]+)/.exec(out);
  if (match === null) throw new Error(`openssl x509 printed no fingerprint: ${out}`);
  return match[1]!;
}

/** Runs a program to completion; throws with its stderr if it fails. */
async function run(command: string, args: string[], input?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(command, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  }
  const output = await child.output();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return output.stdout;
}
