/**
 * grant_type=authorization_code.
 *
 * Guarantees: the code must exist (else invalid_grant AADSTS9002313), have been issued by the
 * path's tenant when the path names one (else AADSTS700005; at common/organizations it redeems for
 * its own tenant), belong to the authenticated
 * client (AADSTS70000), not have been redeemed (AADSTS54005 — one-time), be younger than 10 minutes
 * (AADSTS70008), come with the redirect_uri of its authorize request (AADSTS50011; compared as
 * redirectUris.ts compares reply URLs: exact, bar the port of an http loopback URI), and with
 * a code_verifier (missing → invalid_request AADSTS501481) that matches the challenge (S256 or
 * plain; else invalid_grant AADSTS501481). A failed attempt does not burn the code; a successful
 * one does, before any token is minted. The id token carries the authorize request's nonce. The
 * claims acted on are those of the authorize request combined with the token request's (CP1 or
 * login_hint from either; the larger claims-challenge nbf). The scopes in force are the token
 * request's `scope` when sent, else the authorize request's (an ID token only with `openid`).
 * Each redemption starts a new refresh-token family.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { mergeClaims } from "./claims.js";
import type { ClaimsRequest } from "./claims.js";
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import type { AuthorizationCodeGrant } from "./grants.js";
import { newGuid } from "./ids.js";
import type { Params } from "./params.js";
import { redirectUriMatches } from "./redirectUris.js";
import type { TokenResponseBody } from "./tokenIssuer.js";
import { scopesInForce } from "./scopes.js";
import { issueTokenResponse } from "./tokenIssuer.js";
import { checkRequestedScopes } from "./tokenScopes.js";
import type { LocalTenantClient } from "./types.js";

export type GrantResult = { ok: true; body: TokenResponseBody } | { ok: false; error: EntraError };

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The access token's appidacr: "2" for a certificate (client assertion), "1" for a secret. */
export function clientAuthMethodOf(form: Params): "1" | "2" {
  return form.get("client_assertion") === undefined ? "1" : "2";
}

export function verifierMatches(grant: AuthorizationCodeGrant, verifier: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const derived =
    grant.codeChallengeMethod === "S256"
      ? createHash("sha256").update(verifier).digest("base64url")
      : verifier;
  return sameString(derived, grant.codeChallenge);
}

export async function redeemAuthorizationCode(
  ctx: TenantContext,
  client: Readonly<LocalTenantClient>,
  form: Params,
  now: number,
  requestClaims: ClaimsRequest,
  /** The tenant id in the path; undefined for common/organizations (the code's own tenant). */
  pathTenantId?: string,
): Promise<GrantResult> {
  const code = form.get("code");
  if (code === undefined) return { ok: false, error: aadsts.missingParameter("code") };
  const redirectUri = form.get("redirect_uri");
  if (redirectUri === undefined) return { ok: false, error: aadsts.missingParameter("redirect_uri") };
  const grant = ctx.grants.findCode(code);
  if (grant === undefined) return { ok: false, error: aadsts.unknownGrant() };
  if (pathTenantId !== undefined && grant.tenantId !== pathTenantId) {
    return { ok: false, error: aadsts.grantOfOtherTenant() };
  }
  if (grant.clientId.toLowerCase() !== client.clientId.toLowerCase()) {
    return { ok: false, error: aadsts.grantOfOtherClient() };
  }
  if (grant.redeemed) return { ok: false, error: aadsts.codeRedeemed() };
  if (grant.expiresAt <= now) return { ok: false, error: aadsts.codeExpired() };
  if (!redirectUriMatches(grant.redirectUri, redirectUri)) {
    return { ok: false, error: aadsts.redirectUriMismatchAtToken(redirectUri, grant.redirectUri) };
  }
  const verifier = form.get("code_verifier");
  if (verifier === undefined) return { ok: false, error: aadsts.codeVerifierMissing() };
  if (!verifierMatches(grant, verifier)) return { ok: false, error: aadsts.codeVerifierMismatch() };
  const requested = checkRequestedScopes(ctx, form.get("scope"), grant.tenantId, grant.oid, client.clientId);
  if (!requested.ok) return requested;
  const user = ctx.directory.findObject(grant.tenantId, grant.oid);
  if (user === undefined) return { ok: false, error: aadsts.unknownGrant() };

  grant.redeemed = true;
  const body = await issueTokenResponse(ctx, {
    clientId: client.clientId,
    clientAuthMethod: clientAuthMethodOf(form),
    user,
    graphScopes: ctx.grants.consentedScopes(grant.tenantId, user.oid, client.clientId),
    scopes: scopesInForce(grant.scopes, requested.scopes),
    nonce: grant.nonce,
    withRefreshToken: grant.offlineAccess,
    grantType: "authorization_code",
    familyId: newGuid(),
    claims: mergeClaims(grant.claims, requestClaims),
    sid: grant.sid,
    clientInfoRequested: form.get("client_info") === "1",
    now,
  });
  return { ok: true, body };
}
