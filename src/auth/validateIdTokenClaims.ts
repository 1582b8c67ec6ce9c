/**
 * Checks the ID token claims the app relies on. msal-node decodes the ID token but does not check
 * `iss`, `aud`, `exp` or `iat`; the token came straight from the token endpoint over TLS, so its
 * signature need not be checked (OIDC Core 3.1.3.7), but its claims must be. For a multi-tenant
 * authority the issuer is a template (`…/{tenantid}/v2.0`) filled with the token's own `tid`, which
 * must then be on the allow-list when one is set.
 */
import { SignInFailedError } from "../errors.js";

export const MAX_CLOCK_SKEW_SECONDS = 300;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IdTokenExpectations {
  /** The issuer from the authority's metadata; `{tenantid}` stands for the token's `tid`. */
  issuer: string;
  clientId: string;
  nonce: string;
  allowedTenants: readonly string[];
  nowSeconds?: number;
}

export interface TrustedIdTokenClaims {
  iss: string;
  sub: string;
  oid: string;
  tid: string;
  /** Entra's session id (`sid`), when the token carries one: what front-channel sign-out sends. */
  sid?: string;
  /** Entra's `login_hint` (opaque), when asked for and sent: the `logout_hint` of the sign-out. */
  loginHint?: string;
}

export function validateIdTokenClaims(claims: unknown, expected: IdTokenExpectations): TrustedIdTokenClaims {
  const c = (typeof claims === "object" && claims !== null ? claims : {}) as Record<string, unknown>;
  const now = expected.nowSeconds ?? Math.floor(Date.now() / 1000);
  const fail = (why: string): never => {
    throw new SignInFailedError(
      `The identity provider's answer could not be trusted (${why}). Please sign in again.`,
    );
  };

  const tid = typeof c.tid === "string" ? c.tid : "";
  if (expected.issuer.includes("{tenantid}")) {
    if (!GUID.test(tid)) fail("no tenant id");
    const allowed = expected.allowedTenants;
    if (allowed.length > 0 && !allowed.includes(tid.toLowerCase())) fail("organization not allowed");
  }
  const issuer = expected.issuer.replace("{tenantid}", tid);
  if (c.iss !== issuer) fail("unexpected issuer");
  const audiences: unknown[] = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (audiences.length !== 1 || audiences[0] !== expected.clientId)
    fail("token meant for another application");
  if (typeof c.exp !== "number" || c.exp + MAX_CLOCK_SKEW_SECONDS < now) fail("token expired");
  if (typeof c.iat !== "number" || c.iat - MAX_CLOCK_SKEW_SECONDS > now) fail("token issued in the future");
  if (typeof c.sub !== "string" || c.sub === "" || typeof c.oid !== "string" || c.oid === "")
    fail("no subject");
  if (c.nonce !== expected.nonce) fail("nonce mismatch");
  // Entra's session id, which its front-channel sign-out names; optional, and outside input.
  const sid = typeof c.sid === "string" && c.sid.length > 0 && c.sid.length <= 256 ? { sid: c.sid } : {};
  const hint = c.login_hint;
  const loginHint = typeof hint === "string" && /^[\x21-\x7e]{1,1024}$/.test(hint) ? { loginHint: hint } : {};
  return { iss: issuer, sub: c.sub as string, oid: c.oid as string, tid, ...sid, ...loginHint };
}
