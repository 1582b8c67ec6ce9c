/**
 * Reads the app's certificate credential (CLIENT_CERTIFICATE_PATH): one PEM file holding the
 * certificate, its private key and optionally the issuing chain, as Entra's "Certificates & secrets"
 * expects. The SHA-256 thumbprint is computed here, never typed by hand. Problems are words for the
 * operator; none of them quotes key material.
 */
import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { ClientCertificate } from "./settings.js";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PEM_PRIVATE_KEY =
  /-----BEGIN (?:ENCRYPTED |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA )?PRIVATE KEY-----/;
/** Entra accepts RSA keys for client assertions; below 2048 bits they are refused. */
const MIN_RSA_BITS = 2048;

export interface CertificateFileOptions {
  path: string;
  password: string | undefined;
  sendX5c: boolean;
  readFile: (path: string) => string;
  now: Date;
}

export type CertificateResult = { ok: true; certificate: ClientCertificate } | { ok: false; problem: string };

export function readClientCertificate(options: CertificateFileOptions): CertificateResult {
  const fail = (why: string): CertificateResult => ({
    ok: false,
    problem: `CLIENT_CERTIFICATE_PATH: ${why}`,
  });
  let pem: string;
  try {
    pem = options.readFile(options.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    return fail(`cannot read ${options.path} (${code})`);
  }
  let certificates: X509Certificate[];
  try {
    certificates = (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
  } catch {
    return fail("holds a certificate that cannot be parsed");
  }
  if (certificates.length === 0) return fail("holds no certificate (-----BEGIN CERTIFICATE-----)");
  const keyBlock = PEM_PRIVATE_KEY.exec(pem)?.[0];
  if (keyBlock === undefined) {
    return fail("holds no private key: put the certificate and its private key in one PEM file");
  }
  const encrypted = keyBlock.includes("ENCRYPTED");
  if (encrypted && options.password === undefined) {
    return fail("the private key is encrypted: set CLIENT_CERTIFICATE_PASSWORD");
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(
      encrypted ? { key: keyBlock, format: "pem", passphrase: options.password } : { key: keyBlock },
    );
  } catch {
    return fail(
      encrypted
        ? "the private key does not open with CLIENT_CERTIFICATE_PASSWORD"
        : "the private key cannot be parsed",
    );
  }
  if (
    privateKey.asymmetricKeyType !== "rsa" ||
    (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS
  ) {
    return fail(
      `the key must be RSA with at least ${MIN_RSA_BITS} bits (Entra signs and verifies client assertions with RSA)`,
    );
  }
  const leaf = certificates.find((certificate) => certificate.checkPrivateKey(privateKey));
  if (leaf === undefined) return fail("the private key does not belong to any certificate in the file");
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter <= options.now) return fail(`the certificate expired on ${notAfter.toISOString()}`);
  if (notBefore > options.now) return fail(`the certificate is not valid before ${notBefore.toISOString()}`);
  const chain = [leaf, ...certificates.filter((certificate) => certificate !== leaf)];
  return {
    ok: true,
    certificate: {
      path: options.path,
      thumbprintSha256: createHash("sha256").update(leaf.raw).digest("hex"),
      subject: leaf.subject.replaceAll("\n", ", "),
      notAfterMs: notAfter.getTime(),
      privateKey,
      chainDer: Object.freeze(chain.map((certificate) => certificate.raw.toString("base64"))),
      sendX5c: options.sendX5c,
    },
  };
}
