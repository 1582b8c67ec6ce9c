/**
 * grant_type=refresh_token.
 *
 * Guarantees: the refresh token must exist (else invalid_grant AADSTS9002313, suberror bad_token),
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
 * challenge).
 */
import type { ClaimsRequest } from "./claims.js";
import type { GrantResult } from "./codeGrant.js";
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { Params } from "./params.js";
import { issueTokenResponse } from "./tokenIssuer.js";
import { requestedScopeError } from "./tokenScopes.js";
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
  if (grant === undefined) return { ok: false, error: aadsts.unknownGrant("bad_token") };
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
  if (user === undefined) return { ok: false, error: aadsts.unknownGrant("bad_token") };
  const scopeError = requestedScopeError(ctx, form.get("scope"), grant.tenantId, user.oid, client.clientId);
  if (scopeError !== undefined) return { ok: false, error: scopeError };

  grant.usedAt ??= now;
  const body = await issueTokenResponse(ctx, {
    clientId: client.clientId,
    user,
    graphScopes: ctx.grants.consentedScopes(grant.tenantId, user.oid, client.clientId),
    nonce: undefined,
    withRefreshToken: true,
    grantType: "refresh_token",
    familyId: grant.familyId,
    claims: { cp1: grant.cp1 || requestClaims.cp1, accessTokenNbf: requestClaims.accessTokenNbf },
    sid: grant.sid,
  });
  return { ok: true, body };
}
