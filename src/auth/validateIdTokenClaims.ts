/**
 * Checks the ID token claims the app relies on. msal-node decodes the ID token but does not check
 * `iss`, `aud`, `exp` or `iat`; the token came straight from the token endpoint over TLS, so its
 * signature need not be checked (OIDC Core 3.1.3.7), but its claims must be.
 */
import { SignInFailedError } from "../errors.js";

export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface IdTokenExpectations {
  /** The issuer from the authority's metadata; `{tenantid}` is replaced by the token's `tid`. */
  issuer: string;
  clientId: string;
  nonce: string;
  nowSeconds?: number;
}

export function validateIdTokenClaims(claims: unknown, expected: IdTokenExpectations): void {
  const c = (typeof claims === "object" && claims !== null ? claims : {}) as Record<string, unknown>;
  const now = expected.nowSeconds ?? Math.floor(Date.now() / 1000);
  const fail = (why: string) => {
    throw new SignInFailedError(
      `The identity provider's answer could not be trusted (${why}). Please sign in again.`,
    );
  };

  const tid = typeof c.tid === "string" ? c.tid : "";
  const issuer = expected.issuer.replace("{tenantid}", tid);
  if (c.iss !== issuer) fail("unexpected issuer");
  const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (audiences.length !== 1 || audiences[0] !== expected.clientId)
    fail("token meant for another application");
  if (typeof c.exp !== "number" || c.exp + MAX_CLOCK_SKEW_SECONDS < now) fail("token expired");
  if (typeof c.iat !== "number" || c.iat - MAX_CLOCK_SKEW_SECONDS > now) fail("token issued in the future");
  if (typeof c.sub !== "string" || c.sub === "" || typeof c.oid !== "string" || c.oid === "")
    fail("no subject");
  if (c.nonce !== expected.nonce) fail("nonce mismatch");
}
