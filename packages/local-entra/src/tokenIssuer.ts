/**
 * Minting id tokens, Graph access tokens and token responses.
 *
 * Guarantees:
 * - every JWT is RS256 with header `{ typ: "JWT", alg: "RS256", kid }` (so it starts with `eyJ`)
 *   and a random `uti` claim;
 * - tokens are issued by the tenant the user signed in to (the user object's `tenantId`); for a B2B
 *   guest the user object is the guest object there (its own oid), `idp` names the home tenant
 *   (`https://sts.windows.net/{homeTid}/`) and preferred_username / unique_name the home UPN;
 * - id token: iss `{cloudInstance}{tid}/v2.0`, aud client id, iat/nbf/exp (1 h), pairwise `sub`
 *   (stable hash of oid + client), oid, tid, preferred_username, name, email (when the user has
 *   mail), nonce only when one was sent at /authorize (never on refresh), ver "2.0", and random
 *   aio/uti/rh — unless `faults.idToken` is set (and its grantType, if any, matches): then its
 *   overrides apply to this id token only (nonce wrong/missing, iss, aud, expired or future
 *   iat/nbf/exp, oid/sub/tid); it stays signed with the real key, and client_info, the access token
 *   and the refresh token stay the real user's;
 * - Graph access token: a v1 JWT: iss `https://sts.windows.net/{tid}/`, aud
 *   `https://graph.microsoft.com`, exp = iat + accessTokenLifetimeSeconds, appid, oid, tid, upn
 *   (members only), unique_name, name, scp (space-separated Graph scopes), ver "1.0", uti; plus `xms_cc: ["CP1"]`
 *   when the client declared the CP1 capability, and `lt_cae_nbf` (stand-in claim) when the request
 *   answered a claims challenge (see claims.ts);
 * - client_info = base64url({"uid": home oid, "utid": home tid}) — MSAL's homeAccountId is
 *   "uid.utid": for a member the token's oid.tid, for a guest its HOME account's, as at Entra;
 * - the response carries a refresh token (`LTRT.…`) only when offline_access was granted; it joins
 *   the family of the grant it was issued from.
 */
import { SignJWT } from "jose";
import type { JWTPayload } from "jose";
import type { TenantContext } from "./context.js";
import { GRAPH_AUDIENCE, v1Issuer, v2Issuer } from "./context.js";
import { CAE_ANSWER_CLAIM } from "./claims.js";
import type { ClaimsRequest } from "./claims.js";
import { newGuid, newOpaqueToken, sha256Base64Url } from "./ids.js";
import { SIGNING_ALG } from "./keys.js";
import { responseScope } from "./scopes.js";
import type { IdTokenFault, LocalTenantGrantType } from "./types.js";
import type { LocalTenantUser } from "./users.js";
import { findUser } from "./users.js";

export const ID_TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenResponseBody {
  token_type: "Bearer";
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token: string;
  client_info: string;
}

export interface IssueRequest {
  clientId: string;
  user: LocalTenantUser;
  graphScopes: readonly string[];
  nonce: string | undefined;
  withRefreshToken: boolean;
  grantType: LocalTenantGrantType;
  /** The refresh-token family the new refresh token joins. */
  familyId: string;
  /** CP1 declared, and a claims-challenge nbf being answered. */
  claims: ClaimsRequest;
  /** The SSO session's id, put in the ID token as `sid` (as Entra does). */
  sid: string;
}

export function clientInfo(oid: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: oid, utid: tenantId }), "utf8").toString("base64url");
}

/** Entra's `sub` is pairwise: the same user has a different, stable sub per application. */
export function pairwiseSub(oid: string, audience: string): string {
  return sha256Base64Url(`${oid.toLowerCase()}|${audience.toLowerCase()}`);
}

async function sign(ctx: TenantContext, payload: JWTPayload): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ typ: "JWT", alg: SIGNING_ALG, kid: ctx.signingKey.kid })
    .sign(ctx.signingKey.privateKey);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The name the user signs in with: a guest's home UPN, else the UPN. */
function signInName(ctx: TenantContext, user: LocalTenantUser): string {
  if (user.userType !== "Guest") return user.userPrincipalName;
  return ctx.directory.findAccount(user.homeOid)?.userPrincipalName ?? user.userPrincipalName;
}

/** A guest's token names the identity provider that authenticated it: its home tenant. */
function guestClaims(user: LocalTenantUser): JWTPayload {
  if (user.userType !== "Guest") return {};
  return { idp: v1Issuer(user.homeTenantId) };
}

function randomClaim(): string {
  return newOpaqueToken(24);
}

function activeIdTokenFault(ctx: TenantContext, grantType: LocalTenantGrantType): IdTokenFault | undefined {
  const fault = ctx.faults.idToken;
  if (fault === null) return undefined;
  return fault.grantType === undefined || fault.grantType === grantType ? fault : undefined;
}

function idTokenTimes(fault: IdTokenFault | undefined): { iat: number; exp: number } {
  const now = nowSeconds();
  if (fault?.expiredSecondsAgo !== undefined) {
    const exp = now - fault.expiredSecondsAgo;
    return { iat: exp - ID_TOKEN_LIFETIME_SECONDS, exp };
  }
  if (fault?.issuedInFutureSeconds !== undefined) {
    const iat = now + fault.issuedInFutureSeconds;
    return { iat, exp: iat + ID_TOKEN_LIFETIME_SECONDS };
  }
  return { iat: now, exp: now + ID_TOKEN_LIFETIME_SECONDS };
}

function idTokenNonce(fault: IdTokenFault | undefined, nonce: string | undefined): string | undefined {
  if (fault?.nonce === "missing") return undefined;
  if (fault?.nonce === "wrong") return newOpaqueToken(16);
  return nonce;
}

export async function createIdToken(
  ctx: TenantContext,
  clientId: string,
  user: LocalTenantUser,
  nonce: string | undefined,
  grantType: LocalTenantGrantType,
  sid: string,
): Promise<string> {
  const fault = activeIdTokenFault(ctx, grantType);
  if (fault !== undefined) ctx.log(`token: id token fault applied (${grantType})`);
  const { iat, exp } = idTokenTimes(fault);
  const oid = fault?.oid ?? user.oid;
  // An oid override naming a test user describes that user (a refresh that returns another user).
  const shown =
    (fault?.oid === undefined
      ? undefined
      : (ctx.directory.findObject(user.tenantId, fault.oid) ?? findUser(ctx.users, fault.oid))) ?? user;
  const idNonce = idTokenNonce(fault, nonce);
  const payload: JWTPayload = {
    aud: fault?.audience ?? clientId,
    iss: fault?.issuer ?? v2Issuer(ctx, user.tenantId),
    iat,
    nbf: iat,
    exp,
    aio: randomClaim(),
    ...(shown.mail === null ? {} : { email: shown.mail }),
    ...guestClaims(shown),
    name: shown.displayName,
    ...(idNonce === undefined ? {} : { nonce: idNonce }),
    oid,
    preferred_username: signInName(ctx, shown),
    rh: `0.${randomClaim()}.`,
    sid,
    sub: fault?.sub ?? pairwiseSub(oid, clientId),
    tid: fault?.tid ?? user.tenantId,
    uti: newOpaqueToken(16),
    ver: "2.0",
  };
  return sign(ctx, payload);
}

export async function createGraphAccessToken(
  ctx: TenantContext,
  clientId: string,
  user: LocalTenantUser,
  graphScopes: readonly string[],
  claims: ClaimsRequest,
): Promise<string> {
  const iat = nowSeconds();
  const payload: JWTPayload = {
    aud: GRAPH_AUDIENCE,
    iss: v1Issuer(user.tenantId),
    iat,
    nbf: iat,
    exp: iat + ctx.accessTokenLifetimeSeconds,
    acct: 0,
    acr: "1",
    aio: randomClaim(),
    amr: ["pwd"],
    appid: clientId,
    appidacr: "1",
    ...(user.surname === null ? {} : { family_name: user.surname }),
    ...(user.givenName === null ? {} : { given_name: user.givenName }),
    ...guestClaims(user),
    idtyp: "user",
    ipaddr: "127.0.0.1",
    name: user.displayName,
    oid: user.oid,
    platf: "3",
    rh: `0.${randomClaim()}.`,
    scp: graphScopes.join(" "),
    sid: newGuid(),
    sub: pairwiseSub(user.oid, `${clientId}|${GRAPH_AUDIENCE}`),
    tid: user.tenantId,
    unique_name: signInName(ctx, user),
    ...(user.userType === "Guest" ? {} : { upn: user.userPrincipalName }),
    uti: newOpaqueToken(16),
    ver: "1.0",
    ...(claims.cp1 ? { xms_cc: ["CP1"] } : {}),
    ...(claims.accessTokenNbf === undefined ? {} : { [CAE_ANSWER_CLAIM]: claims.accessTokenNbf }),
  };
  return sign(ctx, payload);
}

export async function issueTokenResponse(
  ctx: TenantContext,
  request: IssueRequest,
): Promise<TokenResponseBody> {
  const [accessToken, idToken] = await Promise.all([
    createGraphAccessToken(ctx, request.clientId, request.user, request.graphScopes, request.claims),
    createIdToken(ctx, request.clientId, request.user, request.nonce, request.grantType, request.sid),
  ]);
  const body: TokenResponseBody = {
    token_type: "Bearer",
    scope: responseScope(request.graphScopes),
    expires_in: ctx.accessTokenLifetimeSeconds,
    ext_expires_in: ctx.accessTokenLifetimeSeconds,
    access_token: accessToken,
    id_token: idToken,
    client_info: clientInfo(request.user.homeOid, request.user.homeTenantId),
  };
  if (request.withRefreshToken) {
    body.refresh_token = ctx.grants.issueRefreshToken(
      {
        tenantId: request.user.tenantId,
        clientId: request.clientId,
        oid: request.user.oid,
        familyId: request.familyId,
        cp1: request.claims.cp1,
        sid: request.sid,
      },
      Date.now(),
    );
  }
  // Keep Entra's key order: refresh_token before id_token.
  const {
    token_type,
    scope,
    expires_in,
    ext_expires_in,
    access_token,
    refresh_token,
    id_token,
    client_info,
  } = body;
  return refresh_token === undefined
    ? { token_type, scope, expires_in, ext_expires_in, access_token, id_token, client_info }
    : { token_type, scope, expires_in, ext_expires_in, access_token, refresh_token, id_token, client_info };
}
