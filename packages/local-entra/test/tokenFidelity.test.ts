/**
 * The token response and its tokens as Entra shapes them: the Graph token's audience per scope
 * form, the ID token only with `openid`, `client_info` only when asked, `email` only with the
 * `email` scope (or for a guest), `login_hint` when the claims ask for it, the access-token lifetime,
 * and the Graph token's claim set, size and header.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from "jose";
import type { JSONWebKeySet } from "jose";
import { SECOND_TENANT_ID, TEST_USERS } from "../src/index.js";
import type { LocalTenant } from "../src/index.js";
import { loginHintFor } from "../src/loginHint.js";
import type { TokenResponse } from "./helpers.js";
import {
  CLIENT,
  graphMe,
  obtainTokensWith,
  OTHER_CLIENT,
  parseJson,
  refresh,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";
import { FABRIKAM_APP, redeemAt, tokensAt } from "./multiTenantHelpers.js";

const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const GRAPH_URI = "https://graph.microsoft.com";
const OIDC = "openid profile offline_access";
/** msal-node's default claims request (every authorize and token request carries it). */
const MSAL_CLAIMS = JSON.stringify({
  id_token: { signin_state: { essential: false }, login_hint: { essential: false } },
});

/** [authorize scope, token request scope (undefined: none sent), expected aud] */
const AUDIENCE_CASES: readonly (readonly [string, string | undefined, string])[] = [
  [`${OIDC} User.Read`, `${OIDC} User.Read`, GRAPH_APP_ID],
  [`${OIDC} user.read`, `${OIDC} user.read`, GRAPH_APP_ID],
  [`${OIDC} ${GRAPH_URI}/User.Read`, `${OIDC} ${GRAPH_URI}/User.Read`, GRAPH_URI],
  [`${OIDC} HTTPS://GRAPH.MICROSOFT.COM/User.Read`, undefined, GRAPH_URI],
  [`${OIDC} ${GRAPH_APP_ID}/User.Read`, `${OIDC} ${GRAPH_APP_ID}/User.Read`, GRAPH_APP_ID],
  [`${OIDC} ${GRAPH_URI}/.default`, `${OIDC} ${GRAPH_URI}/.default`, GRAPH_URI],
  [`${OIDC} ${GRAPH_APP_ID}/.default`, `${OIDC} ${GRAPH_APP_ID}/.default`, GRAPH_APP_ID],
  [OIDC, OIDC, GRAPH_APP_ID],
  [OIDC, undefined, GRAPH_APP_ID],
  [`${OIDC} ${GRAPH_URI}/User.Read`, undefined, GRAPH_URI],
  // The token request's own scope decides when it names Graph; else the authorize request's.
  [`${OIDC} User.Read`, `${OIDC} ${GRAPH_URI}/User.Read`, GRAPH_URI],
  [`${OIDC} ${GRAPH_URI}/User.Read`, `${OIDC} User.Read`, GRAPH_APP_ID],
  [`${OIDC} ${GRAPH_URI}/User.Read`, OIDC, GRAPH_URI],
];

void test("POST /token, for each Graph scope form, answers an access token whose aud Entra would set and Graph accepts", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  for (const [authorizeScope, tokenScope, expected] of AUDIENCE_CASES) {
    // Act
    const tokens = await obtainTokensWith(tenant, {
      authorize: { scope: authorizeScope },
      token: { scope: tokenScope },
    });
    const me = await graphMe(tenant, tokens.access_token);
    // Assert
    const label = `${authorizeScope} | ${tokenScope ?? "(no scope)"}`;
    assert.equal(decodeJwt(tokens.access_token).aud, expected, label);
    assert.equal(me.status, 200, label);
  }
});

/** [refresh request scope (undefined: none), expected aud] for a sign-in in the URI form. */
const REFRESH_AUDIENCE_CASES: readonly (readonly [string | undefined, string])[] = [
  [undefined, GRAPH_URI],
  [OIDC, GRAPH_URI],
  [`${OIDC} User.Read`, GRAPH_APP_ID],
  [`${OIDC} ${GRAPH_APP_ID}/User.Read`, GRAPH_APP_ID],
  [`${OIDC} ${GRAPH_URI}/User.Read`, GRAPH_URI],
];

void test("POST /token refresh_token, for each scope form, answers the aud of that form, else the sign-in's", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const scope = `${OIDC} ${GRAPH_URI}/User.Read`;
  const first = await obtainTokensWith(tenant, { authorize: { scope }, token: { scope } });
  assert.ok(first.refresh_token);
  for (const [refreshScope, expected] of REFRESH_AUDIENCE_CASES) {
    // Act
    const body: TokenResponse = parseJson<TokenResponse>(
      await refresh(tenant, first.refresh_token, { scope: refreshScope }),
    );
    // Assert
    assert.equal(decodeJwt(body.access_token).aud, expected, refreshScope ?? "(no scope)");
  }
});

void test("GET /v1.0/me, with a Graph token whose aud names another resource, answers 401 Invalid audience", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokensWith(tenant);
  const [header = "", , signature = ""] = tokens.access_token.split(".");
  const claims = { ...decodeJwt(tokens.access_token), aud: "https://graph.windows.net" };
  const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
  // Act
  const me = await graphMe(tenant, forged);
  // Assert
  assert.equal(me.status, 401);
  assert.match(me.body, /Access token validation failure/);
});

/** [authorize scope, token request scope, ID token expected] on the code grant. */
const CODE_OPENID_CASES: readonly (readonly [string, string | undefined, boolean])[] = [
  ["openid profile offline_access User.Read", "openid profile offline_access User.Read", true],
  ["openid User.Read", undefined, true],
  ["profile offline_access User.Read", "profile offline_access User.Read", false],
  ["offline_access User.Read", undefined, false],
  ["User.Read", "User.Read", false],
  ["offline_access User.Read", "openid offline_access User.Read", true],
  ["openid offline_access User.Read", "offline_access User.Read", false],
];

void test("POST /token, for a code, answers an ID token exactly when openid is in force, as Entra", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  for (const [authorizeScope, tokenScope, expected] of CODE_OPENID_CASES) {
    // Act
    const tokens = await obtainTokensWith(tenant, {
      authorize: { scope: authorizeScope },
      token: { scope: tokenScope },
    });
    // Assert
    const label = `${authorizeScope} | ${tokenScope ?? "(no scope)"}`;
    assert.equal(tokens.id_token !== undefined, expected, label);
    assert.equal(Object.keys(tokens).includes("id_token"), expected, label);
    assert.equal((await graphMe(tenant, tokens.access_token)).status, 200, label);
  }
});

/** [sign-in scope, refresh request scope, ID token expected] on the refresh grant. */
const REFRESH_OPENID_CASES: readonly (readonly [string, string | undefined, boolean])[] = [
  [OIDC, undefined, true],
  [OIDC, "openid offline_access User.Read", true],
  [OIDC, "offline_access User.Read", false],
  ["offline_access User.Read", undefined, false],
  ["offline_access User.Read", "openid User.Read", true],
];

void test("POST /token refresh_token, answers an ID token exactly when openid is in force", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  for (const [signInScope, refreshScope, expected] of REFRESH_OPENID_CASES) {
    const first = await obtainTokensWith(tenant, {
      authorize: { scope: `${signInScope} User.Read` },
      token: { scope: undefined },
    });
    assert.ok(first.refresh_token, signInScope);
    // Act
    const body: TokenResponse = parseJson<TokenResponse>(
      await refresh(tenant, first.refresh_token, { scope: refreshScope }),
    );
    // Assert
    assert.equal(body.id_token !== undefined, expected, `${signInScope} | ${refreshScope ?? "(no scope)"}`);
  }
});

/** [grant, client_info parameter (undefined: not sent), client_info expected] */
const CLIENT_INFO_CASES: readonly (readonly ["code" | "refresh", string | undefined, boolean])[] = [
  ["code", "1", true],
  ["code", undefined, false],
  ["code", "0", false],
  ["code", "true", false],
  ["refresh", "1", true],
  ["refresh", undefined, false],
  ["refresh", "0", false],
];

void test("POST /token, answers client_info only when the request sends client_info=1, as Entra", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  for (const [grant, clientInfo, expected] of CLIENT_INFO_CASES) {
    // Act
    let body: TokenResponse;
    if (grant === "code") {
      body = await obtainTokensWith(tenant, { token: { client_info: clientInfo }, userOid: user.oid });
    } else {
      const first = await obtainTokensWith(tenant, { userOid: user.oid });
      body = parseJson<TokenResponse>(
        await refresh(tenant, first.refresh_token ?? "", { client_info: clientInfo }),
      );
    }
    // Assert
    const label = `${grant} client_info=${clientInfo ?? "(absent)"}`;
    assert.equal("client_info" in body, expected, label);
    if (expected) {
      const decoded: unknown = JSON.parse(Buffer.from(body.client_info, "base64url").toString("utf8"));
      assert.deepEqual(decoded, { uid: user.oid, utid: tenant.tenantId }, label);
    }
  }
});

void test("POST /token, for a sign-in by msal-node's rules, keeps Entra's key order with client_info last", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const body = await obtainTokensWith(tenant, { token: { client_info: "1" } });
  // Assert
  assert.deepEqual(Object.keys(body), [
    "token_type",
    "scope",
    "expires_in",
    "ext_expires_in",
    "access_token",
    "refresh_token",
    "id_token",
    "client_info",
  ]);
});

/** [user index, scope, email expected] — members get `email` only with the email scope. */
const EMAIL_CASES: readonly (readonly [number, string, boolean])[] = [
  [0, `${OIDC} User.Read`, false],
  [0, `${OIDC} email User.Read`, true],
  [0, "openid email User.Read", true],
  [0, "openid EMAIL User.Read", true],
  [1, `${OIDC} email User.Read`, true],
  [3, `${OIDC} email User.Read`, false], // no mail on the user object
];

void test("POST /token, for a member, puts email in the ID token only for the email scope", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  for (const [index, scope, expected] of EMAIL_CASES) {
    const user = tenant.users[index];
    assert.ok(user);
    // Act
    const tokens = await obtainTokensWith(tenant, {
      authorize: { scope },
      token: { scope },
      userOid: user.oid,
    });
    // Assert
    const email = decodeJwt(tokens.id_token).email;
    assert.equal(email, expected ? user.mail : undefined, `${user.displayName} | ${scope}`);
  }
});

void test("POST /token, for a guest without the email scope, puts the guest's email in the ID token (Entra's default)", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [CLIENT, OTHER_CLIENT, FABRIKAM_APP] });
  const alex = TEST_USERS[1];
  assert.ok(alex);
  // Act
  const tokens = await tokensAt(tenant, SECOND_TENANT_ID, FABRIKAM_APP, alex.oid);
  // Assert
  const claims = decodeJwt(tokens.id_token);
  assert.equal(claims.tid, SECOND_TENANT_ID);
  assert.equal(claims.email, alex.mail);
});

/** [claims at authorize, claims at the token request, login_hint expected] on the code grant. */
const LOGIN_HINT_CASES: readonly (readonly [string | undefined, string | undefined, boolean])[] = [
  [MSAL_CLAIMS, MSAL_CLAIMS, true],
  [MSAL_CLAIMS, undefined, true],
  [undefined, MSAL_CLAIMS, true],
  [undefined, undefined, false],
  [JSON.stringify({ id_token: { login_hint: null } }), undefined, true],
  [JSON.stringify({ id_token: { signin_state: null } }), undefined, false],
  [JSON.stringify({ access_token: { login_hint: null } }), undefined, false],
  [JSON.stringify({ access_token: { xms_cc: { values: ["CP1"] } } }), undefined, false],
];

void test("POST /token, for a code, puts login_hint in the ID token when a claims request asks for it", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[2];
  assert.ok(user);
  const hint = loginHintFor({ oid: user.oid, tid: tenant.tenantId, upn: user.userPrincipalName });
  for (const [authorizeClaims, tokenClaims, expected] of LOGIN_HINT_CASES) {
    // Act
    const tokens = await obtainTokensWith(tenant, {
      authorize: { claims: authorizeClaims },
      token: { claims: tokenClaims },
      userOid: user.oid,
    });
    // Assert
    const label = `${authorizeClaims ?? "-"} | ${tokenClaims ?? "-"}`;
    assert.equal(decodeJwt(tokens.id_token).login_hint, expected ? hint : undefined, label);
  }
});

void test("POST /token refresh_token, puts login_hint in the ID token only when that request's claims ask for it", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const first = await obtainTokensWith(tenant, {
    authorize: { claims: MSAL_CLAIMS },
    token: { claims: MSAL_CLAIMS },
    userOid: user.oid,
  });
  assert.ok(first.refresh_token);
  // Act
  const asked = parseJson<TokenResponse>(await refresh(tenant, first.refresh_token, { claims: MSAL_CLAIMS }));
  const notAsked = parseJson<TokenResponse>(await refresh(tenant, first.refresh_token));
  // Assert
  const hint = loginHintFor({ oid: user.oid, tid: tenant.tenantId, upn: user.userPrincipalName });
  assert.equal(decodeJwt(first.id_token).login_hint, hint);
  assert.equal(decodeJwt(asked.id_token).login_hint, hint);
  assert.equal(decodeJwt(notAsked.id_token).login_hint, undefined);
});

void test("POST /token at Fabrikam, for the guest, gives a login_hint naming the home account", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [CLIENT, OTHER_CLIENT, FABRIKAM_APP] });
  const alex = TEST_USERS[1];
  assert.ok(alex);
  const first = await tokensAt(tenant, SECOND_TENANT_ID, FABRIKAM_APP, alex.oid);
  // Act
  const response = await redeemAt(tenant, SECOND_TENANT_ID, FABRIKAM_APP, {
    grant_type: "refresh_token",
    refresh_token: first.refresh_token ?? "",
    claims: MSAL_CLAIMS,
  });
  // Assert
  assert.equal(response.status, 200, response.body);
  const refreshed = parseJson<TokenResponse>(response);
  const hint = loginHintFor({ oid: alex.oid, tid: tenant.tenantId, upn: alex.userPrincipalName });
  assert.equal(decodeJwt(refreshed.id_token).login_hint, hint);
  assert.notEqual(decodeJwt(refreshed.id_token).oid, alex.oid, "the ID token names the guest object");
});

void test("POST /token, without accessTokenLifetimeSeconds, gives each access token a random 60–90 minute lifetime that expires_in states", async (t) => {
  // Arrange
  let clock = Date.UTC(2030, 0, 1);
  const tenant = await startTestTenant(t, { now: () => clock });
  const first = await obtainTokensWith(tenant);
  assert.ok(first.refresh_token);
  const lifetimes = new Set<number>();
  for (let i = 0; i < 10; i += 1) {
    clock += 1000;
    // Act
    const body: TokenResponse = parseJson<TokenResponse>(await refresh(tenant, first.refresh_token));
    // Assert
    const claims = decodeJwt(body.access_token);
    assert.equal(body.expires_in, body.ext_expires_in);
    assert.equal(claims.exp, clock / 1000 + body.expires_in);
    assert.equal(claims.iat, clock / 1000 - 300);
    assert.ok(body.expires_in >= 3600 && body.expires_in <= 5400, String(body.expires_in));
    lifetimes.add(body.expires_in);
  }
  assert.ok(lifetimes.size > 1, `lifetimes: ${[...lifetimes].join(", ")}`);
});

const GRAPH_CLAIMS_OF_A_MEMBER = [
  "aud",
  "iss",
  "iat",
  "nbf",
  "exp",
  "acct",
  "acr",
  "aio",
  "amr",
  "app_displayname",
  "appid",
  "appidacr",
  "family_name",
  "given_name",
  "idtyp",
  "ipaddr",
  "name",
  "oid",
  "platf",
  "puid",
  "rh",
  "scp",
  "sid",
  "signin_state",
  "sub",
  "tenant_region_scope",
  "tid",
  "unique_name",
  "upn",
  "uti",
  "ver",
  "wids",
  "xms_ftd",
  "xms_idrel",
  "xms_st",
  "xms_tcdt",
];

void test("POST /token, for a member, answers a Graph token with Entra's claim set, size and session id", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  // Act
  const tokens = await obtainTokensWith(tenant, { userOid: user.oid });
  // Assert
  const claims = decodeJwt(tokens.access_token);
  assert.deepEqual(Object.keys(claims), GRAPH_CLAIMS_OF_A_MEMBER);
  assert.ok(
    tokens.access_token.length >= 1500 && tokens.access_token.length <= 2600,
    String(tokens.access_token.length),
  );
  assert.equal(claims.sid, decodeJwt(tokens.id_token).sid, "the SSO session, as in the ID token");
  assert.deepEqual(claims.xms_st, { sub: decodeJwt(tokens.id_token).sub });
  assert.deepEqual(claims.wids, ["b79fbf4d-3ef9-4689-8143-76b194e85509"]);
  assert.equal(claims.acct, 0);
  assert.match(String(claims.puid), /^1003[0-9A-F]{12}$/);
  assert.match(String(claims.rh), /^1\.A[A-Za-z0-9_-]+\.$/);
});

void test("POST /token, with CP1 declared, adds xms_cc to the Graph token and nothing else", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const cp1 = JSON.stringify({ access_token: { xms_cc: { values: ["CP1"] } } });
  // Act
  const tokens = await obtainTokensWith(tenant, { token: { claims: cp1 } });
  // Assert
  const keys = Object.keys(decodeJwt(tokens.access_token));
  assert.deepEqual(
    keys.filter((key) => !GRAPH_CLAIMS_OF_A_MEMBER.includes(key)),
    ["xms_cc"],
  );
});

void test("a Graph access token, as issued, carries Graph's header nonce, which a generic JWT library cannot verify but Graph accepts", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokensWith(tenant);
  // Act
  const header = decodeProtectedHeader(tokens.access_token);
  const generic = await jwtVerify(tokens.access_token, await tenantKeySet(tenant)).catch((e: unknown) => e);
  const graph = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.deepEqual(Object.keys(header), ["typ", "nonce", "alg", "x5t", "kid"]);
  assert.equal(header.x5t, header.kid);
  assert.match(String(header.nonce), /^[A-Za-z0-9_-]{43}$/);
  assert.ok(generic instanceof errors.JWSSignatureVerificationFailed, String(generic));
  assert.equal(graph.status, 200);
});

void test("GET /v1.0/me, with a Graph token whose header nonce was changed, answers 401 Invalid signature", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokensWith(tenant);
  const [headerPart = "", body = "", signature = ""] = tokens.access_token.split(".");
  const header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8")) as Record<string, string>;
  const changed = Buffer.from(JSON.stringify({ ...header, nonce: `${header.nonce ?? ""}x` })).toString(
    "base64url",
  );
  // Act
  const me = await graphMe(tenant, `${changed}.${body}.${signature}`);
  // Assert
  assert.equal(me.status, 401);
  assert.match(me.body, /Invalid signature/);
});

async function tenantKeySet(tenant: LocalTenant): Promise<ReturnType<typeof createLocalJWKSet>> {
  const jwks = parseJson<JSONWebKeySet>(
    await tenantRequest(tenant, `${tenant.authority}/discovery/v2.0/keys`),
  );
  return createLocalJWKSet(jwks);
}
