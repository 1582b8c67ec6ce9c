/**
 * The certificate credentials of an app registration, parsed once when the client is registered.
 *
 * Guarantees: every uploaded certificate and every trusted issuer is parsed with node:crypto's
 * X509Certificate at registration (a bad PEM throws there, not at the first token request);
 * uploaded certificates must carry an RSA key (client assertions are RS256/PS256 only) and are
 * indexed by SHA-256 and SHA-1 thumbprint of their DER, the two thumbprints Entra matches `x5t#S256`
 * and `x5t` against; a trusted issuer must be a CA certificate. Subjects are compared in a
 * normalized form (one `TYPE=value` per RDN, attribute type upper-cased, values exact), so
 * "CN=a, O=b" matches what X509Certificate.subject prints ("CN=a\nO=b").
 */
import { createHash, X509Certificate } from "node:crypto";
import type { LocalTenantClient } from "./types.js";

export interface RegisteredCertificate {
  certificate: X509Certificate;
  sha256: Buffer;
  sha1: Buffer;
}

export interface TrustedSubject {
  /** Normalized subject (see normalizeSubject). */
  subject: string;
  issuer: X509Certificate;
}

export interface ClientCredentials {
  certificates: readonly RegisteredCertificate[];
  trustedSubjects: readonly TrustedSubject[];
}

export function certificateThumbprint(certificate: X509Certificate, algorithm: "sha256" | "sha1"): Buffer {
  return createHash(algorithm).update(certificate.raw).digest();
}

export function normalizeSubject(subject: string): string {
  return subject
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq < 0 ? part : `${part.slice(0, eq).trim().toUpperCase()}=${part.slice(eq + 1).trim()}`;
    })
    .join("\n");
}

function parseCertificate(pem: unknown, what: string): X509Certificate {
  if (typeof pem !== "string") throw new Error(`${what} must be a PEM string`);
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error(`${what} is not a PEM X.509 certificate`);
  }
}

export function parseClientCredentials(client: LocalTenantClient): ClientCredentials {
  const certificates = (client.certificates ?? []).map((pem, i) => {
    const certificate = parseCertificate(pem, `certificates[${i}]`);
    if (certificate.publicKey.asymmetricKeyType !== "rsa") {
      throw new Error(`certificates[${i}] must have an RSA key (client assertions are RS256/PS256)`);
    }
    return {
      certificate,
      sha256: certificateThumbprint(certificate, "sha256"),
      sha1: certificateThumbprint(certificate, "sha1"),
    };
  });
  const trustedSubjects = (client.trustedCertificateSubjects ?? []).map((entry, i) => {
    if (typeof entry.subject !== "string" || normalizeSubject(entry.subject) === "") {
      throw new Error(`trustedCertificateSubjects[${i}].subject must be a non-empty distinguished name`);
    }
    const issuer = parseCertificate(
      entry.issuerCertificatePem,
      `trustedCertificateSubjects[${i}].issuerCertificatePem`,
    );
    if (!issuer.ca)
      throw new Error(`trustedCertificateSubjects[${i}].issuerCertificatePem is not a CA certificate`);
    return { subject: normalizeSubject(entry.subject), issuer };
  });
  return { certificates, trustedSubjects };
}

/** The registered certificate whose thumbprint (SHA-256 or SHA-1, per `algorithm`) is `digest`. */
export function findCertificate(
  credentials: ClientCredentials,
  algorithm: "sha256" | "sha1",
  digest: Buffer,
): RegisteredCertificate | undefined {
  return credentials.certificates.find((c) => c[algorithm].equals(digest));
}
