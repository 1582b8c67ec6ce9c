/**
 * The tenant's token-signing key.
 *
 * Guarantees: one RSA-2048 key per start, generated with jose; the private key is not extractable;
 * the published JWK carries kty, use "sig", kid (its RFC 7638 thumbprint), n and e — the same kid
 * every id token and access token names in its header.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import type { CryptoKey, JWK } from "jose";

export const SIGNING_ALG = "RS256";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048 });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { kty: exported.kty, use: "sig", kid, n: exported.n, e: exported.e },
  };
}
