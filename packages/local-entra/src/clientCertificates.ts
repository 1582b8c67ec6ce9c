/**
 * Client certificates for tests and the local mode: a throwaway certificate authority and RSA
 * client certificates (self-signed, or issued by such an authority), in the PEM shapes MSAL and
 * the app expect.
 *
 * Guarantees: X.509 is built by `selfsigned` (on @peculiar/x509), never by hand; keys are fresh RSA
 * 2048 (Entra signs client assertions with RS256/PS256 only, so no EC); certificates are SHA-256
 * signed; a client certificate has basicConstraints cA:false, keyUsage digitalSignature and
 * extKeyUsage clientAuth, a CA has cA:true and keyCertSign. `thumbprintSha256` / `thumbprintSha1`
 * are lowercase hex over the DER (what MSAL's `clientCertificate.thumbprintSha256` takes and what
 * the assertion header's `x5t#S256` / `x5t` carry base64url-encoded). `pem` is certificate then
 * private key in one file (the form a CLIENT_CERTIFICATE_PATH file holds). Subjects are simple
 * distinguished names like "CN=app.example, O=Contoso"; values with `, + = " \ ; < >` are refused
 * rather than escaped.
 */
import { createHash, X509Certificate } from "node:crypto";
import { generate } from "selfsigned";

export interface LocalCertificateAuthority {
  /** As given, e.g. "CN=Local Test CA". */
  subject: string;
  certificatePem: string;
  privateKeyPem: string;
}

export interface LocalClientCertificate {
  /** As given (default "CN=local-tenant-client"). */
  subject: string;
  certificatePem: string;
  privateKeyPem: string;
  /** Lowercase hex SHA-256 of the certificate's DER. */
  thumbprintSha256: string;
  /** Lowercase hex SHA-1 of the certificate's DER (the legacy `x5t`). */
  thumbprintSha1: string;
  /** certificatePem followed by privateKeyPem. */
  pem: string;
}

export interface ClientCertificateOptions {
  /** Default "CN=local-tenant-client". */
  subject?: string;
  /** Issue the certificate from this authority instead of self-signing it. */
  issuer?: LocalCertificateAuthority;
  /** Validity from one minute ago; default 365 days. Ignored when notAfter is given. */
  validDays?: number;
  /** End of validity (may be in the past, for expired-certificate tests). */
  notAfter?: Date;
}

interface NameAttribute {
  shortName: string;
  value: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const RDN = /^([A-Za-z][A-Za-z0-9]*)=([^,+="\\;<>\n]+)$/;

/** "CN=a, O=b" → attributes in order; throws on anything this helper would have to escape. */
function nameAttributes(subject: string): NameAttribute[] {
  const parts = subject.split(",").map((part) => part.trim());
  return parts.map((part) => {
    const match = RDN.exec(part);
    if (match === null) throw new Error(`subject '${subject}' is not a simple distinguished name`);
    return { shortName: (match[1] ?? "").toUpperCase(), value: (match[2] ?? "").trim() };
  });
}

function thumbprint(certificatePem: string, algorithm: "sha256" | "sha1"): string {
  return createHash(algorithm).update(new X509Certificate(certificatePem).raw).digest("hex");
}

export async function createCertificateAuthority(
  subject: string,
  now: Date = new Date(),
): Promise<LocalCertificateAuthority> {
  const pems = await generate(nameAttributes(subject), {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 30 * DAY_MS),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { subject, certificatePem: pems.cert, privateKeyPem: pems.private };
}

export async function createClientCertificate(
  options: ClientCertificateOptions = {},
): Promise<LocalClientCertificate> {
  const subject = options.subject ?? "CN=local-tenant-client";
  const now = Date.now();
  const validDays = options.validDays ?? 365;
  if (!(validDays > 0)) throw new Error("validDays must be positive");
  const notAfter = options.notAfter ?? new Date(now + validDays * DAY_MS);
  // An already-expired certificate still needs notBefore < notAfter.
  const notBefore = new Date(Math.min(now - 60_000, notAfter.getTime() - DAY_MS));
  const pems = await generate(nameAttributes(subject), {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", clientAuth: true },
    ],
    ...(options.issuer === undefined
      ? {}
      : { ca: { key: options.issuer.privateKeyPem, cert: options.issuer.certificatePem } }),
  });
  const certificatePem = pems.cert.endsWith("\n") ? pems.cert : `${pems.cert}\n`;
  return {
    subject,
    certificatePem,
    privateKeyPem: pems.private,
    thumbprintSha256: thumbprint(certificatePem, "sha256"),
    thumbprintSha1: thumbprint(certificatePem, "sha1"),
    pem: `${certificatePem}${pems.private}`,
  };
}
