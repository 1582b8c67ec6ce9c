/**
 * The tenant's token-signing key, published the way Entra publishes its keys.
 *
 * Guarantees: one RSA-2048 key per start, with a self-signed X.509 certificate for it (subject
 * `CN=accounts.accesscontrol.windows.net`, like Entra's signing certificates), valid from a day
 * before the tenant's clock at start for five years; the private key is imported non-extractable.
 * The published JWK carries what an Entra v2 key carries: kty, use "sig", kid, x5t, n, e, x5c (the
 * certificate, base64 DER) — `kid` and `x5t` are both the certificate's SHA-1 thumbprint in
 * base64url, as at Entra — and discovery.ts adds `issuer`. Every token names that kid in its header.
 */
import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { importPKCS8, importX509 } from "jose";
import type { CryptoKey, JWK } from "jose";
import { generate } from "selfsigned";

export const SIGNING_ALG = "RS256";
/** The subject of Entra's token-signing certificates. */
export const SIGNING_CERTIFICATE_SUBJECT = "accounts.accesscontrol.windows.net";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SigningKey {
  /** Equal to `x5t`: the certificate's SHA-1 thumbprint, base64url. */
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  certificatePem: string;
}

/** `now`: the tenant's clock at start (the certificate is valid from a day before it). */
export async function createSigningKey(now: number = Date.now()): Promise<SigningKey> {
  const pems = await generate([{ name: "commonName", value: SIGNING_CERTIFICATE_SUBJECT }], {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 5 * 365 * DAY_MS),
    extensions: [{ name: "basicConstraints", cA: false, critical: true }],
  });
  const der = new X509Certificate(pems.cert).raw;
  const x5t = createHash("sha1").update(der).digest("base64url");
  const { n, e } = createPublicKey(pems.cert).export({ format: "jwk" });
  const publicJwk: JWK = { kty: "RSA", use: "sig", kid: x5t, x5t, n, e, x5c: [der.toString("base64")] };
  const [privateKey, publicKey] = await Promise.all([
    importPKCS8(pems.private, SIGNING_ALG),
    importX509(pems.cert, SIGNING_ALG),
  ]);
  return { kid: x5t, privateKey, publicKey, publicJwk, certificatePem: pems.cert };
}
