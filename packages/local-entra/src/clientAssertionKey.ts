/**
 * Which public key verifies a client assertion: an uploaded certificate named by the header's
 * thumbprint, or (subject name + issuer trust) the `x5c` leaf certificate.
 *
 * Guarantees: `x5t#S256` (SHA-256) is preferred over `x5t` (SHA-1); each is compared with the DER
 * thumbprints of the registered certificates, never with anything the assertion carries. An `x5c`
 * chain is consulted only when no registered thumbprint matched and the registration trusts a
 * subject: its leaf must have that subject (normalized), be issued and signed by that subject's CA
 * (node:crypto checkIssued + verify; the CA itself within its validity), agree with any thumbprint
 * the header names, and carry an RSA key. The certificate that is used must be within its validity
 * period now. Errors: nothing matches → AADSTS700027 "not registered"; a subject match with a
 * foreign or invalid chain → AADSTS7000213; a certificate outside its validity → AADSTS700027
 * "The key used is expired."; an unparsable `x5c` → AADSTS50027.
 */
import { X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { JWSHeaderParameters } from "jose";
import { certificateThumbprint, findCertificate, normalizeSubject } from "./clientCredentials.js";
import type { ClientCredentials } from "./clientCredentials.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";

export type AssertionKeyResult =
  { ok: true; key: KeyObject; thumbprintHex: string } | { ok: false; error: EntraError };

interface HeaderThumbprint {
  algorithm: "sha256" | "sha1";
  digest: Buffer;
}

function headerThumbprint(header: JWSHeaderParameters): HeaderThumbprint | undefined {
  const sha256 = header["x5t#S256"];
  if (typeof sha256 === "string") return { algorithm: "sha256", digest: Buffer.from(sha256, "base64url") };
  const sha1 = header.x5t;
  if (typeof sha1 === "string") return { algorithm: "sha1", digest: Buffer.from(sha1, "base64url") };
  return undefined;
}

function validity(certificate: X509Certificate): { from: Date; to: Date } {
  return { from: new Date(certificate.validFrom), to: new Date(certificate.validTo) };
}

function isValidAt(certificate: X509Certificate, now: Date): boolean {
  const { from, to } = validity(certificate);
  return from <= now && now <= to;
}

function usable(certificate: X509Certificate, thumbprintHex: string, now: Date): AssertionKeyResult {
  if (!isValidAt(certificate, now)) {
    const { from, to } = validity(certificate);
    return { ok: false, error: aadsts.assertionKeyNotValidNow(thumbprintHex, from, to, now) };
  }
  return { ok: true, key: certificate.publicKey, thumbprintHex };
}

function leafOf(x5c: unknown): X509Certificate | undefined | null {
  if (x5c === undefined) return undefined;
  if (!Array.isArray(x5c) || typeof x5c[0] !== "string") return null;
  try {
    return new X509Certificate(Buffer.from(x5c[0], "base64"));
  } catch {
    return null;
  }
}

function bySubjectAndIssuer(
  clientId: string,
  credentials: ClientCredentials,
  leaf: X509Certificate,
  named: HeaderThumbprint | undefined,
  now: Date,
): AssertionKeyResult {
  const leafSha256 = certificateThumbprint(leaf, "sha256").toString("hex");
  if (named !== undefined && !certificateThumbprint(leaf, named.algorithm).equals(named.digest)) {
    return { ok: false, error: aadsts.assertionKeyNotFound(clientId, named.digest.toString("hex")) };
  }
  const subject = normalizeSubject(leaf.subject);
  const trusted = credentials.trustedSubjects.filter((entry) => entry.subject === subject);
  if (trusted.length === 0) return { ok: false, error: aadsts.assertionKeyNotFound(clientId, leafSha256) };
  const chained = trusted.some(
    ({ issuer }) => leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey) && isValidAt(issuer, now),
  );
  if (!chained) return { ok: false, error: aadsts.invalidCertificateChain() };
  if (leaf.publicKey.asymmetricKeyType !== "rsa") {
    return {
      ok: false,
      error: aadsts.assertionSignatureInvalid("The certificate's key is not an RSA key.", leafSha256),
    };
  }
  return usable(leaf, leafSha256, now);
}

export function resolveAssertionKey(
  clientId: string,
  credentials: ClientCredentials,
  header: JWSHeaderParameters,
  now: Date,
): AssertionKeyResult {
  const named = headerThumbprint(header);
  const registered =
    named === undefined ? undefined : findCertificate(credentials, named.algorithm, named.digest);
  if (registered !== undefined && named !== undefined) {
    return usable(registered.certificate, named.digest.toString("hex"), now);
  }
  const leaf = credentials.trustedSubjects.length === 0 ? undefined : leafOf(header.x5c);
  if (leaf === null)
    return { ok: false, error: aadsts.assertionMalformed("the x5c header is not a certificate chain") };
  if (leaf !== undefined) return bySubjectAndIssuer(clientId, credentials, leaf, named, now);
  return { ok: false, error: aadsts.assertionKeyNotFound(clientId, named?.digest.toString("hex")) };
}
