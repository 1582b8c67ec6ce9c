/**
 * A stand-in for a platform that issues workload tokens (Kubernetes' service-account token issuer,
 * GitHub Actions' OIDC issuer), for tests of workload identity federation: its JWKS is what a
 * federated identity credential registers, its tokens are what the app sends as client_assertion.
 *
 * Guarantees: a fresh RSA 2048 key per issuer; `jwks` holds only the public key, with `kid`, `alg`
 * RS256 and `use` sig; every token is RS256 with `kid` and `typ` JWT in its header and carries iss,
 * sub, aud (default "api://AzureADTokenExchange"), iat = nbf = now, exp = now + lifetime
 * (default 3600 s, AKS's default), and a random jti. `nowSeconds` and `issuer` let a test issue
 * expired, not-yet-valid or foreign-issuer tokens with the real key.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { JWK } from "jose";
import { DEFAULT_FEDERATED_AUDIENCE } from "./federatedCredentials.js";

export interface LocalFederatedIssuer {
  /** Default "https://oidc.local-platform.test/<random>". */
  issuer: string;
  /** Public keys, with kid. */
  jwks: { keys: JWK[] };
  /**
   * A signed RS256 JWT: iss = issuer, sub, aud (default "api://AzureADTokenExchange"),
   * iat/nbf = now, exp = now + lifetimeSeconds (default 3600), jti.
   */
  issue(claims: {
    subject: string;
    audience?: string;
    lifetimeSeconds?: number;
    nowSeconds?: number;
    issuer?: string;
  }): Promise<string>;
}

const DEFAULT_LIFETIME_SECONDS = 3600;

export async function createFederatedIssuer(
  options: { issuer?: string } = {},
): Promise<LocalFederatedIssuer> {
  const issuer = options.issuer ?? `https://oidc.local-platform.test/${randomBytes(8).toString("hex")}`;
  const { privateKey, publicKey } = await generateKeyPair("RS256", { modulusLength: 2048 });
  const kid = randomBytes(16).toString("base64url");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return Object.freeze({
    issuer,
    jwks: Object.freeze({ keys: Object.freeze([Object.freeze(jwk)]) as JWK[] }),
    issue: async (claims: Parameters<LocalFederatedIssuer["issue"]>[0]): Promise<string> => {
      const now = claims.nowSeconds ?? Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
        .setIssuer(claims.issuer ?? issuer)
        .setSubject(claims.subject)
        .setAudience(claims.audience ?? DEFAULT_FEDERATED_AUDIENCE)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + (claims.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS))
        .setJti(randomUUID())
        .sign(privateKey);
    },
  });
}
