/**
 * Minting id tokens, Graph access tokens and token responses.
 *
 * Guarantees:
 * - id token (RS256, kid): iss `{cloudInstance}{tenant}/v2.0`, aud client id, iat/nbf/exp (1 h),
 *   pairwise `sub` (stable hash of oid + client), oid, tid, preferred_username, name, email (when the
 *   user has mail), nonce only when one was sent at /authorize (never on refresh), ver "2.0", and
 *   random aio/uti/rh;
 * - Graph access token: a v1 JWT (RS256, same key): iss `https://sts.windows.net/{tid}/`, aud
 *   `https://graph.microsoft.com`, exp = iat + accessTokenLifetimeSeconds, appid, oid, tid, upn,
 *   unique_name, name, scp (space-separated Graph scopes), ver "1.0", uti;
 * - client_info = base64url({"uid": oid, "utid": tid}) — MSAL's homeAccountId is "uid.utid";
 * - the response carries a refresh token only when offline_access was granted.
 */
import { SignJWT } from "jose";
import type { JWTPayload } from "jose";
import type { TenantContext } from "./context.js";
import { GRAPH_AUDIENCE } from "./context.js";
import { newGuid, newOpaqueToken, sha256Base64Url } from "./ids.js";
import { SIGNING_ALG } from "./keys.js";
import { responseScope } from "./scopes.js";
import type { LocalTenantUser } from "./users.js";

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

function randomClaim(): string {
  return newOpaqueToken(24);
}

export async function createIdToken(
  ctx: TenantContext,
  clientId: string,
  user: LocalTenantUser,
  nonce: string | undefined,
): Promise<string> {
  const iat = nowSeconds();
  const payload: JWTPayload = {
    aud: clientId,
    iss: ctx.issuer,
    iat,
    nbf: iat,
    exp: iat + ID_TOKEN_LIFETIME_SECONDS,
    aio: randomClaim(),
    ...(user.mail === null ? {} : { email: user.mail }),
    name: user.displayName,
    ...(nonce === undefined ? {} : { nonce }),
    oid: user.oid,
    preferred_username: user.userPrincipalName,
    rh: `0.${randomClaim()}.`,
    sub: pairwiseSub(user.oid, clientId),
    tid: ctx.tenantId,
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
): Promise<string> {
  const iat = nowSeconds();
  const payload: JWTPayload = {
    aud: GRAPH_AUDIENCE,
    iss: ctx.accessTokenIssuer,
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
    idtyp: "user",
    ipaddr: "127.0.0.1",
    name: user.displayName,
    oid: user.oid,
    platf: "3",
    rh: `0.${randomClaim()}.`,
    scp: graphScopes.join(" "),
    sid: newGuid(),
    sub: pairwiseSub(user.oid, `${clientId}|${GRAPH_AUDIENCE}`),
    tid: ctx.tenantId,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: newOpaqueToken(16),
    ver: "1.0",
  };
  return sign(ctx, payload);
}

export async function issueTokenResponse(
  ctx: TenantContext,
  request: IssueRequest,
): Promise<TokenResponseBody> {
  const [accessToken, idToken] = await Promise.all([
    createGraphAccessToken(ctx, request.clientId, request.user, request.graphScopes),
    createIdToken(ctx, request.clientId, request.user, request.nonce),
  ]);
  const body: TokenResponseBody = {
    token_type: "Bearer",
    scope: responseScope(request.graphScopes),
    expires_in: ctx.accessTokenLifetimeSeconds,
    ext_expires_in: ctx.accessTokenLifetimeSeconds,
    access_token: accessToken,
    id_token: idToken,
    client_info: clientInfo(request.user.oid, ctx.tenantId),
  };
  if (request.withRefreshToken) {
    body.refresh_token = ctx.grants.issueRefreshToken(request.clientId, request.user.oid, Date.now());
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
