/**
 * Minting ID tokens and token responses (the Graph access token: graphAccessToken.ts).
 *
 * Guarantees:
 * - every JWT is RS256, names the JWKS kid in its header (so it starts with `eyJ`) and carries a
 *   random `uti` claim;
 * - tokens are issued by the tenant the user signed in to (the user object's `tenantId`); for a B2B
 *   guest the user object is the guest object there (its own oid), `idp` names the home tenant
 *   (`https://sts.windows.net/{homeTid}/`) and preferred_username / unique_name the home UPN;
 * - times come from the tenant's clock (`ctx.now`); iat and nbf are five minutes before issue, as
 *   Entra backdates them; the access token lives `accessTokenLifetimeSeconds` when that is set,
 *   else a random 60–90 minutes (Entra's default variation); `expires_in` and `ext_expires_in` say
 *   exactly that lifetime;
 * - ID token — only when `openid` is among the scopes in force (the token request's `scope`, else the
 *   authorize request's: scopes.ts), as at Entra: header `{ typ, alg, kid }`; iss
 *   `{cloudInstance}{tid}/v2.0`, aud client id, iat/nbf, exp (issue + 1 h), aio, `email` (when the
 *   `email` scope is in force, or for a guest — Entra's default for guests — and the user has mail),
 *   idp (guests), `login_hint` (when the request's `claims` ask for `id_token.login_hint`, as
 *   msal-node always does: loginHint.ts of the HOME account), name, nonce (only when one was sent at
 *   /authorize, never on refresh), oid, preferred_username, rh, `roles` (the values of the client's
 *   app roles whose members include the token's oid, in registration order; absent when none), sid, pairwise `sub`, tid, uti, ver
 *   "2.0" — unless `faults.idToken` is set (and its grantType, if any, matches): then its overrides
 *   apply to this ID token only (nonce wrong/missing, iss, aud, expired or future iat/nbf/exp,
 *   oid/sub/tid); it stays signed with the real key, and client_info, the access token and the
 *   refresh token stay the real user's;
 * - client_info (base64url({"uid": home oid, "utid": home tid})) only when the token request sent
 *   `client_info=1` (msal-node always does), as at Entra;
 * - a refresh token only when offline_access was granted; it joins the family of the grant it was
 *   issued from and keeps the scopes in force. The body keeps Entra's key order.
 */
import { SignJWT } from "jose";
import type { JWTPayload } from "jose";
import type { ClaimsRequest } from "./claims.js";
import type { TenantContext } from "./context.js";
import { v1Issuer, v2Issuer } from "./context.js";
import { createGraphAccessToken, ISSUED_AT_BACKDATE_SECONDS } from "./graphAccessToken.js";
import { newOpaqueToken, randomBetween } from "./ids.js";
import { SIGNING_ALG } from "./keys.js";
import { loginHintFor } from "./loginHint.js";
import type { GrantScopes } from "./scopes.js";
import { responseScope } from "./scopes.js";
import { assignedRoles } from "./federatedCredentials.js";
import { aioClaim, clientInfo, pairwiseSub, rhClaim, signInName } from "./tokenClaims.js";
import type { IdTokenFault, LocalTenantGrantType } from "./types.js";
import type { LocalTenantUser } from "./users.js";
import { findUser } from "./users.js";

export { clientInfo, pairwiseSub } from "./tokenClaims.js";

export const ID_TOKEN_LIFETIME_SECONDS = 3600;
/** Entra's default access-token lifetime varies per token between 60 and 90 minutes. */
export const ACCESS_TOKEN_LIFETIME_RANGE_SECONDS = { min: 3600, max: 5400 } as const;

export interface TokenResponseBody {
  token_type: "Bearer";
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

export interface IssueRequest {
  clientId: string;
  /** How the client authenticated: "1" client secret, "2" certificate (the token's appidacr). */
  clientAuthMethod: "1" | "2";
  user: LocalTenantUser;
  graphScopes: readonly string[];
  /** The scopes in force (scopesInForce): the OIDC scopes asked for and the Graph token's aud. */
  scopes: GrantScopes;
  nonce: string | undefined;
  withRefreshToken: boolean;
  grantType: LocalTenantGrantType;
  /** The refresh-token family the new refresh token joins. */
  familyId: string;
  /** CP1 declared, a claims-challenge nbf being answered, login_hint asked for. */
  claims: ClaimsRequest;
  /** The SSO session's id, put in the ID token and the access token as `sid` (as Entra does). */
  sid: string;
  /** client_info=1 was sent with the token request. */
  clientInfoRequested: boolean;
  /** The tenant's clock when the request arrived, epoch ms. */
  now: number;
}

async function signIdToken(ctx: TenantContext, payload: JWTPayload): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ typ: "JWT", alg: SIGNING_ALG, kid: ctx.signingKey.kid })
    .sign(ctx.signingKey.privateKey);
}

function activeIdTokenFault(ctx: TenantContext, grantType: LocalTenantGrantType): IdTokenFault | undefined {
  const fault = ctx.faults.idToken;
  if (fault === null) return undefined;
  return fault.grantType === undefined || fault.grantType === grantType ? fault : undefined;
}

function idTokenTimes(fault: IdTokenFault | undefined, now: number): { iat: number; exp: number } {
  if (fault?.expiredSecondsAgo !== undefined) {
    const exp = now - fault.expiredSecondsAgo;
    return { iat: exp - ID_TOKEN_LIFETIME_SECONDS, exp };
  }
  if (fault?.issuedInFutureSeconds !== undefined) {
    const iat = now + fault.issuedInFutureSeconds;
    return { iat, exp: iat + ID_TOKEN_LIFETIME_SECONDS };
  }
  return { iat: now - ISSUED_AT_BACKDATE_SECONDS, exp: now + ID_TOKEN_LIFETIME_SECONDS };
}

function idTokenNonce(fault: IdTokenFault | undefined, nonce: string | undefined): string | undefined {
  if (fault?.nonce === "missing") return undefined;
  if (fault?.nonce === "wrong") return newOpaqueToken(16);
  return nonce;
}

/** Entra puts `email` in v2 ID tokens for the `email` scope, and by default for guests. */
function emailClaim(user: LocalTenantUser, scopes: GrantScopes): JWTPayload {
  if (user.mail === null) return {};
  return scopes.oidc.includes("email") || user.userType === "Guest" ? { email: user.mail } : {};
}

export async function createIdToken(ctx: TenantContext, request: IssueRequest): Promise<string> {
  const { clientId, user, grantType } = request;
  const fault = activeIdTokenFault(ctx, grantType);
  if (fault !== undefined) ctx.log(`token: id token fault applied (${grantType})`);
  const { iat, exp } = idTokenTimes(fault, Math.floor(request.now / 1000));
  const oid = fault?.oid ?? user.oid;
  // An oid override naming a test user describes that user (a refresh that returns another user).
  const shown =
    (fault?.oid === undefined
      ? undefined
      : (ctx.directory.findObject(user.tenantId, fault.oid) ?? findUser(ctx.users, fault.oid))) ?? user;
  const idNonce = idTokenNonce(fault, request.nonce);
  const loginHint = request.claims.idTokenLoginHint
    ? {
        login_hint: loginHintFor({
          oid: shown.homeOid,
          tid: shown.homeTenantId,
          upn: signInName(ctx, shown),
        }),
      }
    : {};
  // Entra puts the app roles assigned to the user (in the token's tenant) in the ID token's `roles`.
  const roles = assignedRoles(ctx.clients.get(clientId)?.appRoles, oid);
  const payload: JWTPayload = {
    aud: fault?.audience ?? clientId,
    iss: fault?.issuer ?? v2Issuer(ctx, user.tenantId),
    iat,
    nbf: iat,
    exp,
    aio: aioClaim("AWQAm/8TAAAA", 72),
    ...emailClaim(shown, request.scopes),
    ...(shown.userType === "Guest" ? { idp: v1Issuer(shown.homeTenantId) } : {}),
    ...loginHint,
    name: shown.displayName,
    ...(idNonce === undefined ? {} : { nonce: idNonce }),
    oid,
    preferred_username: signInName(ctx, shown),
    rh: rhClaim(user.tenantId, clientId),
    ...(roles.length === 0 ? {} : { roles }),
    sid: request.sid,
    sub: fault?.sub ?? pairwiseSub(oid, clientId),
    tid: fault?.tid ?? user.tenantId,
    uti: newOpaqueToken(16),
    ver: "2.0",
  };
  return signIdToken(ctx, payload);
}

function accessTokenLifetime(ctx: TenantContext): number {
  const { min, max } = ACCESS_TOKEN_LIFETIME_RANGE_SECONDS;
  return ctx.accessTokenLifetimeSeconds ?? randomBetween(min, max);
}

export async function issueTokenResponse(
  ctx: TenantContext,
  request: IssueRequest,
): Promise<TokenResponseBody> {
  const lifetime = accessTokenLifetime(ctx);
  const withIdToken = request.scopes.oidc.includes("openid");
  const [accessToken, idToken] = await Promise.all([
    createGraphAccessToken(ctx, {
      clientId: request.clientId,
      clientAuthMethod: request.clientAuthMethod,
      user: request.user,
      graphScopes: request.graphScopes,
      oidcScopes: request.scopes.oidc,
      audience: request.scopes.graphAudience,
      claims: request.claims,
      sid: request.sid,
      issuedAt: Math.floor(request.now / 1000),
      lifetimeSeconds: lifetime,
    }),
    withIdToken ? createIdToken(ctx, request) : undefined,
  ]);
  const refreshToken = request.withRefreshToken
    ? ctx.grants.issueRefreshToken(
        {
          tenantId: request.user.tenantId,
          clientId: request.clientId,
          oid: request.user.oid,
          familyId: request.familyId,
          cp1: request.claims.cp1,
          sid: request.sid,
          scopes: request.scopes,
        },
        request.now,
      )
    : undefined;
  // Entra's key order: token_type, scope, expires_in, ext_expires_in, access_token, refresh_token,
  // id_token, client_info.
  return {
    token_type: "Bearer",
    scope: responseScope(request.graphScopes),
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: accessToken,
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    ...(idToken === undefined ? {} : { id_token: idToken }),
    ...(request.clientInfoRequested
      ? { client_info: clientInfo(request.user.homeOid, request.user.homeTenantId) }
      : {}),
  };
}
