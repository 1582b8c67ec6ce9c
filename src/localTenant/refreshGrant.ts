/**
 * grant_type=refresh_token.
 *
 * Guarantees: the refresh token must exist (else invalid_grant AADSTS9002313, suberror bad_token),
 * belong to the authenticated client (AADSTS70000), not be revoked (AADSTS50173, bad_token) and not
 * be expired (AADSTS700082, bad_token). Success returns new access, id (no nonce, as at Entra) and
 * refresh tokens; the presented refresh token stays valid until it expires (Entra does not revoke
 * on use).
 */
import type { GrantResult } from "./codeGrant.js";
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { Params } from "./params.js";
import { issueTokenResponse } from "./tokenIssuer.js";
import { requestedScopeError } from "./tokenScopes.js";
import type { LocalTenantClient } from "./types.js";
import { findUser } from "./users.js";

export async function redeemRefreshToken(
  ctx: TenantContext,
  client: Readonly<LocalTenantClient>,
  form: Params,
  now: number,
): Promise<GrantResult> {
  const token = form.get("refresh_token");
  if (token === undefined) return { ok: false, error: aadsts.missingParameter("refresh_token") };
  const grant = ctx.grants.findRefreshToken(token);
  if (grant === undefined) return { ok: false, error: aadsts.unknownGrant("bad_token") };
  if (grant.clientId.toLowerCase() !== client.clientId.toLowerCase()) {
    return { ok: false, error: aadsts.grantOfOtherClient() };
  }
  if (grant.revokedAt !== undefined) {
    return {
      ok: false,
      error: aadsts.refreshTokenRevoked(new Date(grant.issuedAt), new Date(grant.revokedAt)),
    };
  }
  if (grant.expiresAt <= now) {
    return { ok: false, error: aadsts.refreshTokenExpired(new Date(grant.issuedAt), new Date(now)) };
  }
  const user = findUser(ctx.users, grant.oid);
  if (user === undefined) return { ok: false, error: aadsts.unknownGrant("bad_token") };
  const scopeError = requestedScopeError(ctx, form.get("scope"), user.oid, client.clientId);
  if (scopeError !== undefined) return { ok: false, error: scopeError };

  const body = await issueTokenResponse(ctx, {
    clientId: client.clientId,
    user,
    graphScopes: ctx.grants.consentedScopes(user.oid, client.clientId),
    nonce: undefined,
    withRefreshToken: true,
  });
  return { ok: true, body };
}
