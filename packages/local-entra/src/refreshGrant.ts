/**
 * grant_type=refresh_token.
 *
 * Guarantees: the refresh token must exist (else invalid_grant AADSTS9002313, no suberror — as Entra
 * answers a refresh token it cannot read),
 * have been issued by the path's tenant when the path names one (else AADSTS700005, no suberror:
 * the token stays good at its own tenant; at common/organizations it redeems for its own tenant),
 * belong to the authenticated client (AADSTS70000), not be revoked (AADSTS50173, bad_token) and not
 * be expired (AADSTS700082, bad_token). Success returns new access, id (no nonce, as at Entra) and
 * refresh tokens; the new refresh token joins the presented one's family. By default the presented
 * refresh token stays valid until it expires (Entra does not revoke on use). With
 * `strictRefreshTokenReuse` on, presenting a refresh token that was already used successfully
 * revokes its whole family: that request and every later use of any family member answer
 * invalid_grant, bad_token, AADSTS50173. CP1 comes from the original sign-in or this request; a
 * claims-challenge nbf only from this request's `claims` (a refresh without it never answers a
 * challenge); login_hint only when this request's `claims` ask for it. The scopes in force are this
 * request's `scope` when sent, else those the refresh token was issued for (an ID token only with
 * `openid`).
 */
import type { ClaimsRequest } from "./claims.js";
import type { GrantResult } from "./codeGrant.js";
import { clientAuthMethodOf } from "./codeGrant.js";
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { Params } from "./params.js";
import { scopesInForce } from "./scopes.js";
import { issueTokenResponse } from "./tokenIssuer.js";
import { checkRequestedScopes } from "./tokenScopes.js";
import type { LocalTenantClient } from "./types.js";

export async function redeemRefreshToken(
  ctx: TenantContext,
  client: Readonly<LocalTenantClient>,
  form: Params,
  now: number,
  requestClaims: ClaimsRequest,
  /** The tenant id in the path; undefined for common/organizations (the token's own tenant). */
  pathTenantId?: string,
): Promise<GrantResult> {
  const token = form.get("refresh_token");
  if (token === undefined) return { ok: false, error: aadsts.missingParameter("refresh_token") };
  const grant = ctx.grants.findRefreshToken(token);
  if (grant === undefined) return { ok: false, error: aadsts.unknownGrant() };
  if (pathTenantId !== undefined && grant.tenantId !== pathTenantId) {
    return { ok: false, error: aadsts.grantOfOtherTenant() };
  }
  if (grant.clientId.toLowerCase() !== client.clientId.toLowerCase()) {
    return { ok: false, error: aadsts.grantOfOtherClient() };
  }
  if (grant.revokedAt !== undefined) {
    const issued = new Date(grant.issuedAt);
    const revoked = new Date(grant.revokedAt);
    return {
      ok: false,
      error: grant.revokedForReuse
        ? aadsts.refreshTokenReused(issued, revoked)
        : aadsts.refreshTokenRevoked(issued, revoked),
    };
  }
  if (grant.expiresAt <= now) {
    return { ok: false, error: aadsts.refreshTokenExpired(new Date(grant.issuedAt), new Date(now)) };
  }
  if (grant.usedAt !== undefined && ctx.settings.strictRefreshTokenReuse) {
    ctx.grants.revokeFamily(grant.familyId, now);
    ctx.log(`token: refresh token reused; its family is revoked (strict reuse mode)`);
    return { ok: false, error: aadsts.refreshTokenReused(new Date(grant.issuedAt), new Date(now)) };
  }
  const user = ctx.directory.findObject(grant.tenantId, grant.oid);
  if (user === undefined) return { ok: false, error: aadsts.unknownGrant() };
  const requested = checkRequestedScopes(ctx, form.get("scope"), grant.tenantId, user.oid, client.clientId);
  if (!requested.ok) return requested;

  grant.usedAt ??= now;
  const body = await issueTokenResponse(ctx, {
    clientId: client.clientId,
    clientAuthMethod: clientAuthMethodOf(form),
    user,
    graphScopes: ctx.grants.consentedScopes(grant.tenantId, user.oid, client.clientId),
    scopes: scopesInForce(grant.scopes, requested.scopes),
    nonce: undefined,
    withRefreshToken: true,
    grantType: "refresh_token",
    familyId: grant.familyId,
    claims: { ...requestClaims, cp1: grant.cp1 || requestClaims.cp1 },
    sid: grant.sid,
    clientInfoRequested: form.get("client_info") === "1",
    now,
  });
  return { ok: true, body };
}
