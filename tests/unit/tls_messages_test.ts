/**
 * The one-line messages for TLS files, including the cases the end-to-end
 * tests cannot produce: Deno's permission refusal (the tests run with the
 * compile task's `--allow-read`) and a file mode that root ignores.
 */
import assert from "node:assert/strict";
import {
  describePairError,
  describeReadError,
  type TlsCertificate,
  validityProblem,
} from "../../server/tls.ts";

const FILES = { cert: "/etc/echochat/cert.pem", key: "/etc/echochat/key.pem" };

Deno.test("tls messages: read errors name the file, the flag and what to do", () => {
  assert.equal(
    describeReadError(new Deno.errors.NotCapable("Requires read access"), FILES.cert, "cert"),
    'Not allowed to read the TLS certificate "/etc/echochat/cert.pem" (--tls-cert): run with --allow-read (the start and compile tasks grant it)',
  );
  assert.equal(
    describeReadError(new Deno.errors.PermissionDenied("EACCES"), FILES.key, "key"),
    'Cannot read the TLS private key "/etc/echochat/key.pem" (--tls-key): permission denied (check the file\'s owner and mode)',
  );
  assert.equal(
    describeReadError(new Error("Input/output error (os error 5)"), FILES.key, "key"),
    'Cannot read the TLS private key "/etc/echochat/key.pem" (--tls-key): Input/output error (os error 5)',
  );
});

Deno.test("tls messages: only errors about the pair are reported as such", () => {
  assert.equal(
    describePairError(
      new Error("failed to lookup address information: Name or service not known"),
      FILES,
    ),
    null,
    "a host that does not resolve is the bind's business",
  );
  assert.equal(describePairError(new Deno.errors.AddrNotAvailable("os error 99"), FILES), null);
  assert.match(
    describePairError(new Error("keys may not be consistent: KeyMismatch"), FILES)!,
    /does not belong to the certificate "\/etc\/echochat\/cert\.pem"/,
  );
  assert.match(
    describePairError(new Deno.errors.InvalidData("something new in rustls"), FILES)!,
    /were refused: something new in rustls$/,
  );
});

Deno.test("tls messages: an expired or not yet valid certificate is named as such", () => {
  const certificate = (validFrom: string, validTo: string): TlsCertificate => ({
    cert: "",
    key: "",
    fingerprint: null,
    subject: null,
    validFrom: new Date(validFrom),
    validTo: new Date(validTo),
  });
  const now = new Date("2030-06-01T00:00:00Z");
  assert.equal(validityProblem(certificate("2030-01-01", "2031-01-01"), now), null);
  assert.equal(
    validityProblem(certificate("2029-01-01", "2030-01-01"), now),
    "expired on 2030-01-01T00:00:00.000Z: clients will refuse it",
  );
  assert.match(
    validityProblem(certificate("2030-07-01", "2031-01-01"), now)!,
    /^is not valid before/,
  );
});
