/**
 * The TLS certificate both servers present.
 *
 * Guarantees: a fresh EC P-256 key and a self-signed X.509 certificate per start, SHA-256 signed,
 * SAN IP:127.0.0.1, IP:::1 and DNS:localhost, valid from one minute ago for one day (well under
 * Chromium's 398-day limit). Node accepts it as its own trust anchor (`https.request({ ca: pem })`
 * verifies without any rejectUnauthorized:false). spkiSha256Base64 is what Chromium's
 * --ignore-certificate-errors-spki-list expects.
 */
import { createHash, createPublicKey } from "node:crypto";
import { generate } from "selfsigned";

export interface TlsMaterial {
  keyPem: string;
  certPem: string;
  spkiSha256Base64: string;
}

export function spkiSha256Base64(certPem: string): string {
  const spki = createPublicKey(certPem).export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

export async function createCertificate(now: Date = new Date()): Promise<TlsMaterial> {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 24 * 60 * 60 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { keyPem: pems.private, certPem: pems.cert, spkiSha256Base64: spkiSha256Base64(pems.cert) };
}
