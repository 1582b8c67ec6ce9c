import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import {
  DEFAULT_TENANT_ID,
  SECOND_TENANT_GUEST,
  SECOND_TENANT_GUEST_OID,
  SECOND_TENANT_ID,
  SECOND_TENANT_USERS,
  TEST_USERS,
} from "../src/index.js";
import {
  CLIENT,
  CODE_PATTERN,
  graphGet,
  graphMe,
  OTHER_CLIENT,
  parseJson,
  startTestTenant,
  tenantRequest,
  verifyWithTenantKeys,
} from "./helpers.js";
import type { EntraErrorResponse, TokenResponse } from "./helpers.js";
import {
  appAuthorizeParams,
  authorizeAt,
  FABRIKAM_APP,
  MULTI_APP,
  msalAt,
  msalSignIn,
  redeemAt,
  signInAt,
  tokensAt,
} from "./multiTenantHelpers.js";
import type { SecretApp } from "./multiTenantHelpers.js";
import { newPkce } from "./helpers.js";

const CONTOSO_APP: SecretApp = { ...CLIENT, redirectUris: [CLIENT.redirectUris[0] ?? ""] };
const ADELE = TEST_USERS[0];
const ALEX = TEST_USERS[1];
const MEGAN = TEST_USERS[2];
const DIEGO = SECOND_TENANT_USERS[0];
assert.ok(ADELE && ALEX && MEGAN && DIEGO);

function start(t: Parameters<typeof startTestTenant>[0]): ReturnType<typeof startTestTenant> {
  return startTestTenant(t, { clients: [CLIENT, OTHER_CLIENT, MULTI_APP, FABRIKAM_APP] });
}

function errorCode(page: { body: string }): string | undefined {
  return /data-code="(AADSTS\d+)"/.exec(page.body)?.[1];
}

function decodeClientInfo(value: string): unknown {
  return JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
}

void test("the fixed directory, as exported, has Alex Wilber as Fabrikam's guest and Mallory last", () => {
  // Assert
  assert.equal(DEFAULT_TENANT_ID, "7d3f6a41-2c8e-4b95-a0d6-3e1f5b9c8a24");
  assert.equal(SECOND_TENANT_ID, "b5e2c8d1-7a43-4f6e-9c0b-2d8e4f6a1c37");
  assert.equal(TEST_USERS.length, 5);
  assert.equal(TEST_USERS[4]?.userPrincipalName, "mallory@contoso.test");
  assert.deepEqual(
    SECOND_TENANT_USERS.map((u) => [u.userPrincipalName, u.tenantId, u.homeTenantId, u.userType]),
    [
      ["diego.siciliani@fabrikam.test", SECOND_TENANT_ID, SECOND_TENANT_ID, "Member"],
      ["isaiah.langer@fabrikam.test", SECOND_TENANT_ID, SECOND_TENANT_ID, "Member"],
    ],
  );
  assert.deepEqual(
    {
      oid: SECOND_TENANT_GUEST.oid,
      upn: SECOND_TENANT_GUEST.userPrincipalName,
      type: SECOND_TENANT_GUEST.userType,
      tenantId: SECOND_TENANT_GUEST.tenantId,
      homeTenantId: SECOND_TENANT_GUEST.homeTenantId,
      homeOid: SECOND_TENANT_GUEST.homeOid,
    },
    {
      oid: "d07e5b29-3f8a-4c61-9b2d-6e4f8a0c2b13",
      upn: "alex.wilber_contoso.test#EXT#@fabrikam.test",
      type: "Guest",
      tenantId: SECOND_TENANT_ID,
      homeTenantId: DEFAULT_TENANT_ID,
      homeOid: ALEX.oid,
    },
  );
  assert.equal(ALEX.homeTenantId, DEFAULT_TENANT_ID);
});

void test("LocalTenant.tenants, after start, lists Contoso then Fabrikam with authorities, members and guests", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const summary = tenant.tenants.map((d) => [
    d.tenantId,
    d.displayName,
    d.domain,
    d.authority,
    d.members.length,
    d.guests.map((g) => g.oid),
  ]);
  // Assert
  assert.deepEqual(summary, [
    [DEFAULT_TENANT_ID, "Contoso", "contoso.test", `${tenant.cloudInstance}${DEFAULT_TENANT_ID}`, 5, []],
    [
      SECOND_TENANT_ID,
      "Fabrikam",
      "fabrikam.test",
      `${tenant.cloudInstance}${SECOND_TENANT_ID}`,
      2,
      [SECOND_TENANT_GUEST_OID],
    ],
  ]);
});

void test("GET openid-configuration, at organizations, publishes the {tenantid} issuer and endpoints under organizations", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const doc = parseJson<Record<string, unknown>>(
    await tenantRequest(tenant, `${tenant.cloudInstance}organizations/v2.0/.well-known/openid-configuration`),
  );
  const keys = parseJson<{ keys: { issuer: string }[] }>(
    await tenantRequest(tenant, `${tenant.cloudInstance}common/discovery/v2.0/keys`),
  );
  // Assert
  assert.equal(doc.issuer, `${tenant.cloudInstance}{tenantid}/v2.0`);
  assert.equal(doc.token_endpoint, `${tenant.cloudInstance}organizations/oauth2/v2.0/token`);
  assert.equal(doc.authorization_endpoint, `${tenant.cloudInstance}organizations/oauth2/v2.0/authorize`);
  assert.equal(doc.jwks_uri, `${tenant.cloudInstance}organizations/discovery/v2.0/keys`);
  assert.equal(doc.tenant_region_scope, null);
  assert.equal(keys.keys[0]?.issuer, `${tenant.cloudInstance}{tenantid}/v2.0`);
});

void test("GET openid-configuration, at Fabrikam's id in upper case, publishes Fabrikam's own issuer", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const response = await tenantRequest(
    tenant,
    `${tenant.cloudInstance}${SECOND_TENANT_ID.toUpperCase()}/v2.0/.well-known/openid-configuration`,
  );
  // Assert
  const doc = parseJson<Record<string, unknown>>(response);
  assert.equal(response.status, 200);
  assert.equal(doc.issuer, `${tenant.cloudInstance}${SECOND_TENANT_ID}/v2.0`);
  assert.equal(doc.token_endpoint, `${tenant.cloudInstance}${SECOND_TENANT_ID}/oauth2/v2.0/token`);
});

void test("GET openid-configuration, at consumers, answers invalid_tenant AADSTS90002", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const response = await tenantRequest(
    tenant,
    `${tenant.cloudInstance}consumers/v2.0/.well-known/openid-configuration`,
  );
  // Assert
  assert.equal(response.status, 400);
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "invalid_tenant");
  assert.deepEqual(body.error_codes, [90002]);
});

void test("msal-node 7 at organizations, signing in a Contoso and a Fabrikam user, gets tokens of each one's home tenant", async (t) => {
  // Arrange
  const tenant = await start(t);
  const cca = await msalAt(tenant, "organizations", MULTI_APP);
  // Act
  const contoso = await msalSignIn(tenant, cca, MULTI_APP, ADELE.oid);
  const fabrikam = await msalSignIn(tenant, cca, MULTI_APP, DIEGO.oid);
  const fabrikamMe = await graphMe(tenant, fabrikam.accessToken);
  // Assert
  assert.ok(contoso.authorizeUrl.startsWith(`${tenant.cloudInstance}organizations/oauth2/v2.0/authorize?`));
  const contosoClaims = contoso.idTokenClaims as Record<string, unknown>;
  const fabrikamClaims = fabrikam.idTokenClaims as Record<string, unknown>;
  assert.equal(contosoClaims.iss, `${tenant.cloudInstance}${DEFAULT_TENANT_ID}/v2.0`);
  assert.equal(contosoClaims.tid, DEFAULT_TENANT_ID);
  assert.equal(contoso.account?.homeAccountId, `${ADELE.oid}.${DEFAULT_TENANT_ID}`);
  assert.equal(fabrikamClaims.iss, `${tenant.cloudInstance}${SECOND_TENANT_ID}/v2.0`);
  assert.equal(fabrikamClaims.tid, SECOND_TENANT_ID);
  assert.equal(fabrikamClaims.oid, DIEGO.oid);
  assert.equal(fabrikam.account?.homeAccountId, `${DIEGO.oid}.${SECOND_TENANT_ID}`);
  assert.equal(fabrikam.account?.tenantId, SECOND_TENANT_ID);
  const access = decodeJwt(fabrikam.accessToken);
  assert.equal(access.iss, `https://sts.windows.net/${SECOND_TENANT_ID}/`);
  assert.equal(access.tid, SECOND_TENANT_ID);
  assert.equal(fabrikamMe.status, 200);
  assert.equal(
    parseJson<{ userPrincipalName: string }>(fabrikamMe).userPrincipalName,
    "diego.siciliani@fabrikam.test",
  );
});

void test("msal-node 7 at Fabrikam, signing in Contoso's guest, keys the account by the HOME oid.tid and refreshes silently", async (t) => {
  // Arrange
  const tenant = await start(t);
  const cca = await msalAt(tenant, SECOND_TENANT_ID, FABRIKAM_APP);
  // Act
  const result = await msalSignIn(tenant, cca, FABRIKAM_APP, ALEX.oid);
  assert.ok(result.account);
  const refreshed = await cca.acquireTokenSilent({
    account: result.account,
    scopes: ["User.Read"],
    forceRefresh: true,
  });
  // Assert
  const claims = result.idTokenClaims as Record<string, unknown>;
  assert.equal(result.account.homeAccountId, `${ALEX.oid}.${DEFAULT_TENANT_ID}`);
  assert.equal(result.account.localAccountId, SECOND_TENANT_GUEST_OID);
  assert.equal(result.account.tenantId, SECOND_TENANT_ID);
  assert.equal(claims.oid, SECOND_TENANT_GUEST_OID);
  assert.equal(claims.tid, SECOND_TENANT_ID);
  assert.equal(claims.iss, `${tenant.cloudInstance}${SECOND_TENANT_ID}/v2.0`);
  assert.equal(claims.idp, `https://sts.windows.net/${DEFAULT_TENANT_ID}/`);
  assert.equal(claims.preferred_username, "alex.wilber@contoso.test");
  assert.equal(refreshed.fromCache, false);
  assert.notEqual(refreshed.accessToken, result.accessToken);
  assert.equal((refreshed.idTokenClaims as Record<string, unknown>).oid, SECOND_TENANT_GUEST_OID);
  assert.equal(tenant.counters.tokenRefresh, 1);
});

void test("POST /token at Fabrikam, for the guest, answers client_info naming the home account and Fabrikam's tokens", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const tokens = await tokensAt(tenant, SECOND_TENANT_ID, FABRIKAM_APP, ALEX.oid);
  const me = await graphGet(
    tenant,
    tokens.access_token,
    "v1.0/me?$select=id,userPrincipalName,userType,mail",
  );
  // Assert
  assert.deepEqual(decodeClientInfo(tokens.client_info), { uid: ALEX.oid, utid: DEFAULT_TENANT_ID });
  const idToken = await verifyWithTenantKeys(tenant, tokens.id_token, {
    issuer: `${tenant.cloudInstance}${SECOND_TENANT_ID}/v2.0`,
    audience: FABRIKAM_APP.clientId,
  });
  assert.equal(idToken.oid, SECOND_TENANT_GUEST_OID);
  const access = decodeJwt(tokens.access_token);
  assert.equal(access.iss, `https://sts.windows.net/${SECOND_TENANT_ID}/`);
  assert.equal(access.tid, SECOND_TENANT_ID);
  assert.equal(access.oid, SECOND_TENANT_GUEST_OID);
  assert.equal(access.idp, `https://sts.windows.net/${DEFAULT_TENANT_ID}/`);
  assert.equal(access.unique_name, "alex.wilber@contoso.test");
  assert.equal(access.upn, undefined);
  assert.equal(me.status, 200);
  assert.deepEqual(JSON.parse(me.body), {
    "@odata.context":
      "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,userType,mail)/$entity",
    mail: "alex.wilber@contoso.test",
    userPrincipalName: "alex.wilber_contoso.test#EXT#@fabrikam.test",
    id: SECOND_TENANT_GUEST_OID,
    userType: "Guest",
  });
});

void test("POST /token at common, for Alex signing in through common, answers Contoso's tokens for his own oid", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const tokens = await tokensAt(tenant, "common", MULTI_APP, ALEX.oid);
  // Assert
  const idToken = decodeJwt(tokens.id_token);
  assert.equal(idToken.tid, DEFAULT_TENANT_ID);
  assert.equal(idToken.oid, ALEX.oid);
  assert.equal(idToken.idp, undefined);
  assert.deepEqual(decodeClientInfo(tokens.client_info), { uid: ALEX.oid, utid: DEFAULT_TENANT_ID });
});

void test("POST authorize/complete at Contoso, for a Fabrikam member, shows AADSTS50020 and starts no session", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const flow = await signInAt(tenant, DEFAULT_TENANT_ID, CONTOSO_APP, DIEGO.oid);
  // Assert
  assert.equal(flow.answer.status, 400);
  assert.equal(flow.answer.location, undefined);
  assert.equal(flow.ssoCookie, undefined);
  assert.equal(errorCode(flow.answer), "AADSTS50020");
  assert.ok(
    flow.answer.body.includes(
      `AADSTS50020: User account &#39;diego.siciliani@fabrikam.test&#39; from identity provider &#39;https://sts.windows.net/${SECOND_TENANT_ID}/&#39; does not exist in tenant &#39;Contoso&#39; and cannot access the application &#39;${CLIENT.clientId}&#39; in that tenant.`,
    ),
  );
});

void test("POST authorize/complete at Fabrikam, for a Contoso user who is not a guest there, shows AADSTS50020", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const flow = await signInAt(tenant, SECOND_TENANT_ID, MULTI_APP, MEGAN.oid);
  // Assert
  assert.equal(flow.answer.status, 400);
  assert.equal(errorCode(flow.answer), "AADSTS50020");
  assert.ok(flow.answer.body.includes("does not exist in tenant &#39;Fabrikam&#39;"));
});

void test("GET /authorize at Fabrikam, the sign-in page, lists Fabrikam's members then its guest's home account", async (t) => {
  // Arrange
  const tenant = await start(t);
  const pkce = newPkce();
  // Act
  const page = await tenantRequest(
    tenant,
    authorizeAt(tenant, SECOND_TENANT_ID, appAuthorizeParams(MULTI_APP, pkce, "openid User.Read")),
  );
  // Assert
  assert.equal(page.status, 200);
  const oids = [...page.body.matchAll(/name="user" value="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(oids, [DIEGO.oid, SECOND_TENANT_USERS[1]?.oid, ALEX.oid]);
});

void test("GET /authorize at Fabrikam, for Contoso's single-tenant app, shows AADSTS700016 without a sign-in page", async (t) => {
  // Arrange
  const tenant = await start(t);
  const params = appAuthorizeParams(CONTOSO_APP, newPkce(), "openid User.Read");
  // Act
  const page = await tenantRequest(tenant, authorizeAt(tenant, SECOND_TENANT_ID, params));
  // Assert
  assert.equal(page.status, 400);
  assert.equal(errorCode(page), "AADSTS700016");
  assert.ok(
    page.body.includes(
      `AADSTS700016: Application with identifier &#39;${CLIENT.clientId}&#39; was not found in the directory &#39;${SECOND_TENANT_ID}&#39;.`,
    ),
  );
});

void test("POST /token at Fabrikam, for Contoso's single-tenant app, answers unauthorized_client AADSTS700016", async (t) => {
  // Arrange
  const tenant = await start(t);
  // Act
  const response = await redeemAt(tenant, SECOND_TENANT_ID, CONTOSO_APP, {
    grant_type: "refresh_token",
    refresh_token: "LTRT.unknown",
  });
  // Assert
  assert.equal(response.status, 400);
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "unauthorized_client");
  assert.deepEqual(body.error_codes, [700016]);
});

void test("POST /token at Fabrikam, with a code Contoso issued, answers invalid_grant AADSTS700005 and the code still redeems at organizations", async (t) => {
  // Arrange
  const tenant = await start(t);
  const flow = await signInAt(tenant, "organizations", MULTI_APP, ADELE.oid);
  const fields = {
    grant_type: "authorization_code",
    code: flow.params.get("code") ?? "",
    redirect_uri: MULTI_APP.redirectUris[0],
    code_verifier: flow.pkce.verifier,
  };
  // Act
  const wrong = await redeemAt(tenant, SECOND_TENANT_ID, MULTI_APP, fields);
  const right = await redeemAt(tenant, "organizations", MULTI_APP, fields);
  // Assert
  assert.equal(wrong.status, 400);
  const body = parseJson<EntraErrorResponse>(wrong);
  assert.equal(body.error, "invalid_grant");
  assert.deepEqual(body.error_codes, [700005]);
  assert.match(
    body.error_description,
    /^AADSTS700005: Provided Authorization Code is intended to use against other tenant, thus rejected\./,
  );
  assert.equal(right.status, 200);
  assert.equal(decodeJwt(parseJson<TokenResponse>(right).id_token).tid, DEFAULT_TENANT_ID);
});

void test("POST /token refresh_token, Fabrikam's at Contoso's endpoint, answers AADSTS700005; at common it refreshes for Fabrikam", async (t) => {
  // Arrange
  const tenant = await start(t);
  const tokens = await tokensAt(tenant, "organizations", MULTI_APP, DIEGO.oid);
  const refreshToken = tokens.refresh_token ?? "";
  // Act
  const wrong = await redeemAt(tenant, DEFAULT_TENANT_ID, MULTI_APP, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
  });
  const right = await redeemAt(tenant, "common", MULTI_APP, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
  });
  // Assert
  assert.deepEqual(parseJson<EntraErrorResponse>(wrong).error_codes, [700005]);
  assert.equal(parseJson<EntraErrorResponse>(wrong).suberror, undefined);
  assert.equal(right.status, 200);
  const access = decodeJwt(parseJson<TokenResponse>(right).access_token);
  assert.equal(access.tid, SECOND_TENANT_ID);
  assert.equal(access.oid, DIEGO.oid);
});

void test("GET /authorize with prompt=none at Fabrikam, after signing in to Contoso, answers login_required (SSO is per tenant)", async (t) => {
  // Arrange
  const tenant = await start(t);
  const contoso = await signInAt(tenant, DEFAULT_TENANT_ID, MULTI_APP, ALEX.oid);
  assert.ok(contoso.ssoCookie);
  const headers = { cookie: contoso.ssoCookie };
  const params = { ...appAuthorizeParams(MULTI_APP, newPkce(), "openid User.Read"), prompt: "none" };
  // Act
  const fabrikam = await tenantRequest(tenant, authorizeAt(tenant, SECOND_TENANT_ID, params), { headers });
  const again = await tenantRequest(tenant, authorizeAt(tenant, DEFAULT_TENANT_ID, params), { headers });
  // Assert
  assert.equal(new URL(fabrikam.location ?? "").searchParams.get("error"), "login_required");
  assert.match(new URL(again.location ?? "").searchParams.get("code") ?? "", CODE_PATTERN);
});
