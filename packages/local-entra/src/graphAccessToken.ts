/**
 * Microsoft Graph access tokens, as Entra issues them to a user's sign-in.
 *
 * Guarantees:
 * - a v1.0 JWT with Entra's claim set for a delegated Graph token (access-token claims reference,
 *   and tokens published in msal issues): aud (`https://graph.microsoft.com` or Graph's app id, as
 *   the scope form asked — scopes.ts), iss `https://sts.windows.net/{tid}/`, iat and nbf five
 *   minutes before issue (as Entra backdates them), exp = issue + lifetime, acct (0 member, 1
 *   guest), acr, aio, amr, app_displayname, appid, appidacr ("1" secret, "2" certificate), family
 *   and given name, idp (guests), idtyp, ipaddr, name, oid, platf, puid (members), rh, scp (the
 *   consented Graph scopes and the OIDC scopes asked for, sorted case-insensitively, as Entra lists
 *   them), sid (the SSO session, as in the ID token), signin_state, sub (pairwise for Graph),
 *   tenant_region_scope, tid, unique_name, upn (members), uti, ver "1.0", wids (members: the User
 *   role template), `xms_cc: ["CP1"]` when the client declared CP1, xms_ftd, xms_idrel, xms_st
 *   (`{ sub }`: the client's pairwise sub), xms_tcdt (the tenant's creation time), and `lt_cae_nbf`
 *   (stand-in claim) when answering a claims challenge (claims.ts). About 2–2.5 KB, like Entra's;
 * - the header is Graph's: `{ typ, nonce, alg, x5t, kid }`, and the signature covers the header with
 *   the nonce replaced by base64url(SHA-256(nonce)) — so, as with Entra's Graph tokens, a generic JWT
 *   library cannot verify it; Graph (graphAuth.ts) undoes the substitution with
 *   signedFormOfGraphToken() before verifying.
 */
import { createHash } from "node:crypto";
import { CompactSign } from "jose";
import type { JWTPayload } from "jose";
import { CAE_ANSWER_CLAIM } from "./claims.js";
import type { ClaimsRequest } from "./claims.js";
import type { TenantContext } from "./context.js";
import { GRAPH_APP_ID, v1Issuer } from "./wellKnown.js";
import { newOpaqueToken, randomBetween, sha256Base64Url } from "./ids.js";
import { SIGNING_ALG } from "./keys.js";
import type { LocalTenantUser } from "./users.js";
import { aioClaim, pairwiseSub, rhClaim, signInName } from "./tokenClaims.js";

/** Entra backdates iat and nbf by five minutes (clock skew). */
export const ISSUED_AT_BACKDATE_SECONDS = 300;
/** The directory role template every member holds ("User"), as Entra lists it in `wids`. */
const USER_ROLE_TEMPLATE = "b79fbf4d-3ef9-4689-8143-76b194e85509";
const APP_DISPLAY_NAME = "local-entra test app";

export interface GraphTokenRequest {
  clientId: string;
  /** "1" client secret, "2" certificate (client assertion). */
  clientAuthMethod: "1" | "2";
  user: LocalTenantUser;
  graphScopes: readonly string[];
  /** The OIDC scopes asked for; Entra lists them in `scp` next to the Graph scopes. */
  oidcScopes: readonly string[];
  audience: string;
  claims: ClaimsRequest;
  sid: string;
  /** Epoch seconds. */
  issuedAt: number;
  lifetimeSeconds: number;
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function graphScp(graphScopes: readonly string[], oidcScopes: readonly string[]): string {
  const all = [...new Set([...graphScopes, ...oidcScopes])];
  return all.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).join(" ");
}

/** Stable per user: Entra's PUID is 16 hex digits, "1003…" for work accounts. */
function puid(oid: string): string {
  return `1003${sha256Hex(oid).slice(0, 12).toUpperCase()}`;
}

/** Stable per tenant: a creation time between 2011 and 2020, epoch seconds. */
function tenantCreatedAt(tenantId: string): number {
  return 1_300_000_000 + (Number.parseInt(sha256Hex(tenantId).slice(0, 8), 16) % 280_000_000);
}

function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function graphAccessTokenClaims(ctx: TenantContext, request: GraphTokenRequest): JWTPayload {
  const { user, clientId } = request;
  const member = user.userType !== "Guest";
  const iat = request.issuedAt - ISSUED_AT_BACKDATE_SECONDS;
  return {
    aud: request.audience,
    iss: v1Issuer(user.tenantId),
    iat,
    nbf: iat,
    exp: request.issuedAt + request.lifetimeSeconds,
    acct: member ? 0 : 1,
    acr: "1",
    aio: aioClaim("AVQAq/8TAAAA", 69),
    amr: ["pwd"],
    app_displayname: APP_DISPLAY_NAME,
    appid: clientId,
    appidacr: request.clientAuthMethod,
    ...(user.surname === null ? {} : { family_name: user.surname }),
    ...(user.givenName === null ? {} : { given_name: user.givenName }),
    ...(member ? {} : { idp: v1Issuer(user.homeTenantId) }),
    idtyp: "user",
    ipaddr: "127.0.0.1",
    name: user.displayName,
    oid: user.oid,
    platf: "3",
    ...(member ? { puid: puid(user.oid) } : {}),
    rh: rhClaim(user.tenantId, GRAPH_APP_ID),
    scp: graphScp(request.graphScopes, request.oidcScopes),
    sid: request.sid,
    signin_state: ["kmsi"],
    sub: pairwiseSub(user.oid, `${clientId}|${GRAPH_APP_ID}`),
    tenant_region_scope: "NA",
    tid: user.tenantId,
    unique_name: signInName(ctx, user),
    ...(member ? { upn: user.userPrincipalName } : {}),
    uti: newOpaqueToken(16),
    ver: "1.0",
    ...(member ? { wids: [USER_ROLE_TEMPLATE] } : {}),
    ...(request.claims.cp1 ? { xms_cc: ["CP1"] } : {}),
    xms_ftd: newOpaqueToken(44),
    xms_idrel: `1 ${randomBetween(2, 30)}`,
    xms_st: { sub: pairwiseSub(user.oid, clientId) },
    xms_tcdt: tenantCreatedAt(user.tenantId),
    ...(request.claims.accessTokenNbf === undefined
      ? {}
      : { [CAE_ANSWER_CLAIM]: request.claims.accessTokenNbf }),
  };
}

// A type alias, not an interface: jose's header parameter type needs an index signature.
type GraphTokenHeader = {
  typ: "JWT";
  nonce: string;
  alg: typeof SIGNING_ALG;
  x5t: string;
  kid: string;
};

function graphHeader(kid: string, nonce: string): GraphTokenHeader {
  return { typ: "JWT", nonce, alg: SIGNING_ALG, x5t: kid, kid };
}

export async function createGraphAccessToken(
  ctx: TenantContext,
  request: GraphTokenRequest,
): Promise<string> {
  const { kid, privateKey } = ctx.signingKey;
  const nonce = newOpaqueToken(32);
  const payload = new TextEncoder().encode(JSON.stringify(graphAccessTokenClaims(ctx, request)));
  const signed = await new CompactSign(payload)
    .setProtectedHeader(graphHeader(kid, sha256Base64Url(nonce)))
    .sign(privateKey);
  const [, body, signature] = signed.split(".");
  return `${base64UrlJson(graphHeader(kid, nonce))}.${body ?? ""}.${signature ?? ""}`;
}

/**
 * The token as it was signed: a header `nonce` replaced by base64url(SHA-256(nonce)), as Graph does
 * before checking the signature. A token without a header nonce (or not a JWS) comes back as it is.
 */
export function signedFormOfGraphToken(token: string): string {
  const parts = token.split(".");
  if (parts.length !== 3) return token;
  const [headerPart = "", body, signature] = parts;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
  } catch {
    return token;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return token;
  const nonce = (header as Record<string, unknown>).nonce;
  if (typeof nonce !== "string") return token;
  const signedHeader = { ...header, nonce: sha256Base64Url(nonce) };
  return `${base64UrlJson(signedHeader)}.${body ?? ""}.${signature ?? ""}`;
}
