/**
 * The app's certificate credential as MSAL's `clientAssertion` callback: a private_key_jwt assertion
 * (RFC 7523; PS256 with `x5t#S256`, plus `x5c` for subject name + issuer authentication) signed with
 * jose and reused until shortly before it expires.
 *
 * Why not MSAL's `clientCertificate` option: MSAL keeps its signed assertion on the client instance
 * and builds it whenever a token call is prepared, cache hits included. This app builds a fresh
 * client per request, so that would be one RSA signature (about a millisecond of CPU) on every page
 * view. The assertion is the app's credential, never a user's token, so one per process is right.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ClientAssertionCallback } from "@azure/msal-node";
import { SignJWT } from "jose";
import type { ClientCertificate } from "../config/settings.js";

/** MSAL's own lifetime for certificate assertions. */
export const ASSERTION_LIFETIME_SECONDS = 600;
/** A new assertion is signed once the cached one has less than this left (clock skew, slow calls). */
export const ASSERTION_RENEW_BEFORE_SECONDS = 120;

export function createClientAssertionSigner(
  certificate: ClientCertificate,
  clientId: string,
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
): ClientAssertionCallback {
  const leaf = certificate.chainDer[0];
  if (leaf === undefined) throw new Error("the client certificate has no certificate");
  const header = {
    alg: "PS256",
    typ: "JWT",
    "x5t#S256": createHash("sha256").update(Buffer.from(leaf, "base64")).digest("base64url"),
    ...(certificate.sendX5c ? { x5c: [...certificate.chainDer] } : {}),
  };
  // One per token endpoint (the audience); a promise, so that concurrent callers share one signature.
  const signed = new Map<string, { expiresAt: number; jwt: Promise<string> }>();

  return (config) => {
    const audience = config.tokenEndpoint;
    if (!audience) return Promise.reject(new Error("MSAL gave no token endpoint for the client assertion"));
    const now = nowSeconds();
    const cached = signed.get(audience);
    if (cached && cached.expiresAt - now > ASSERTION_RENEW_BEFORE_SECONDS) return cached.jwt;
    const expiresAt = now + ASSERTION_LIFETIME_SECONDS;
    const jwt = new SignJWT({ jti: randomUUID() })
      .setProtectedHeader(header)
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(expiresAt)
      .sign(certificate.privateKey);
    signed.set(audience, { expiresAt, jwt });
    // A failed signature is not kept: the next call tries again.
    jwt.catch(() => {
      if (signed.get(audience)?.jwt === jwt) signed.delete(audience);
    });
    return jwt;
  };
}
