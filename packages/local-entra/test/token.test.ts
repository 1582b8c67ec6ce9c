import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { EntraErrorResponse, TokenResponse } from "./helpers.js";
import {
  CLIENT,
  graphMe,
  obtainCode,
  OTHER_CLIENT,
  parseJson,
  postForm,
  redeemCode,
  REDIRECT_URI,
  startTestTenant,
  tenantRequest,
  tokenEndpoint,
  verifyWithTenantKeys,
} from "./helpers.js";

function entraError(response: { body: string }): EntraErrorResponse {
  return JSON.parse(response.body) as EntraErrorResponse;
}

void test("POST /token, for a code from the sign-in form, answers tokens Entra-style", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { accessTokenLifetimeSeconds: 305 });
  const user = tenant.users[0];
  assert.ok(user);
  const { code, pkce } = await obtainCode(tenant, {}, user.oid);
  // Act
  const response = await redeemCode(
    tenant,
    { code, code_verifier: pkce.verifier },
    { "client-request-id": "0f0e0d0c-1111-4222-8333-444455556666" },
  );
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.headers["cache-control"], "no-store, no-cache");
  assert.equal(response.headers.pragma, "no-cache");
  assert.equal(response.headers["client-request-id"], "0f0e0d0c-1111-4222-8333-444455556666");
  const body = parseJson<TokenResponse>(response);
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
  assert.equal(body.token_type, "Bearer");
  assert.equal(body.scope, "openid profile email User.Read");
  assert.equal(body.expires_in, 305);
  assert.equal(body.ext_expires_in, 305);
  assert.deepEqual(JSON.parse(Buffer.from(body.client_info, "base64url").toString("utf8")), {
    uid: user.oid,
    utid: tenant.tenantId,
  });
  assert.equal(tenant.counters.tokenAuthorizationCode, 1);
  assert.equal(tenant.counters.tokenErrors, 0);
});

void test("POST /token, for a redeemed code, answers an id token that verifies against the JWKS", async (t) => {
  // Arrange
  const clock = Date.UTC(2031, 4, 6, 7, 8, 9);
  const tenant = await startTestTenant(t, { now: () => clock });
  const user = tenant.users[1];
  assert.ok(user);
  const { code, pkce } = await obtainCode(tenant, {}, user.oid);
  // Act
  const body = parseJson<TokenResponse>(await redeemCode(tenant, { code, code_verifier: pkce.verifier }));
  // Assert
  const claims = await verifyWithTenantKeys(tenant, body.id_token ?? "", {
    issuer: `${tenant.cloudInstance}${tenant.tenantId}/v2.0`,
    audience: CLIENT.clientId,
    currentDate: new Date(clock),
  });
  assert.equal(claims.oid, user.oid);
  assert.equal(claims.tid, tenant.tenantId);
  assert.equal(claims.preferred_username, user.userPrincipalName);
  assert.equal(claims.name, user.displayName);
  assert.equal(claims.email, undefined, "no email scope asked for");
  assert.equal(claims.nonce, "nonce-456");
  assert.equal(claims.ver, "2.0");
  assert.match(String(claims.sub), /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(claims.sub, user.oid);
  // Entra backdates iat and nbf by five minutes; the ID token lives an hour from issue.
  assert.equal(claims.iat, clock / 1000 - 300);
  assert.equal(claims.nbf, clock / 1000 - 300);
  assert.equal(claims.exp, clock / 1000 + 3600);
  const header = decodeProtectedHeader(body.id_token ?? "");
  assert.deepEqual(Object.keys(header), ["typ", "alg", "kid"]);
  assert.equal(header.alg, "RS256");
});

void test("POST /token, for a redeemed code, answers a v1 Graph access token", async (t) => {
  // Arrange
  const clock = Date.UTC(2031, 4, 6, 7, 8, 9);
  const tenant = await startTestTenant(t, { accessTokenLifetimeSeconds: 305, now: () => clock });
  const user = tenant.users[0];
  assert.ok(user);
  const { code, pkce } = await obtainCode(tenant, {}, user.oid);
  // Act
  const body = parseJson<TokenResponse>(await redeemCode(tenant, { code, code_verifier: pkce.verifier }));
  // Assert
  const claims = decodeJwt(body.access_token);
  assert.equal(claims.iss, `https://sts.windows.net/${tenant.tenantId}/`);
  assert.equal(claims.aud, "00000003-0000-0000-c000-000000000000", "User.Read names Graph by its app id");
  assert.equal(claims.ver, "1.0");
  assert.equal(claims.appid, CLIENT.clientId);
  assert.equal(claims.appidacr, "1", "a client secret");
  assert.equal(claims.oid, user.oid);
  assert.equal(claims.upn, user.userPrincipalName);
  assert.equal(claims.unique_name, user.userPrincipalName);
  assert.equal(claims.scp, "offline_access openid profile User.Read");
  assert.equal(claims.iat, clock / 1000 - 300);
  assert.equal(claims.exp, clock / 1000 + 305);
  assert.equal((await graphMe(tenant, body.access_token)).status, 200);
});

void test("POST /token, when the code is replayed, answers invalid_grant AADSTS54005", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  const first = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  // Act
  const second = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  // Assert
  assert.equal(first.status, 200);
  assert.equal(second.status, 400);
  const body = entraError(second);
  assert.equal(body.error, "invalid_grant");
  assert.deepEqual(body.error_codes, [54005]);
  assert.match(body.error_description, /^AADSTS54005: OAuth2 Authorization code was already redeemed/);
  assert.equal(tenant.counters.tokenAuthorizationCode, 2);
  assert.equal(tenant.counters.tokenErrors, 1);
});

void test("POST /token, when the code_verifier is wrong, answers invalid_grant AADSTS501481", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code } = await obtainCode(tenant);
  // Act
  const response = await redeemCode(tenant, { code, code_verifier: "x".repeat(43) });
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.deepEqual(body.error_codes, [501481]);
  assert.match(body.error_description, /^AADSTS501481: The Code_Verifier does not match the code_challenge/);
});

void test("POST /token, when the code_verifier is missing, answers invalid_request AADSTS501481", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code } = await obtainCode(tenant);
  // Act
  const response = await redeemCode(tenant, { code });
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "invalid_request");
  assert.deepEqual(body.error_codes, [501481]);
});

void test("POST /token, after a failed attempt, still redeems the code with the right verifier", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  await redeemCode(tenant, { code, code_verifier: "y".repeat(43) });
  // Act
  const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  // Assert
  assert.equal(response.status, 200);
});

void test("POST /token, when redirect_uri differs from the authorize request, answers invalid_grant AADSTS50011", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  // Act
  const response = await redeemCode(tenant, {
    code,
    code_verifier: pkce.verifier,
    redirect_uri: `${REDIRECT_URI}/other`,
  });
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.deepEqual(body.error_codes, [50011]);
});

void test("POST /token, when the client secret is wrong, answers 401 invalid_client AADSTS7000215", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  // Act
  const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier, client_secret: "wrong" });
  // Assert
  assert.equal(response.status, 401);
  const body = entraError(response);
  assert.equal(body.error, "invalid_client");
  assert.deepEqual(body.error_codes, [7000215]);
});

void test("POST /token, when no client secret is sent, answers 401 invalid_client AADSTS7000218", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  // Act
  const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier, client_secret: undefined });
  // Assert
  assert.equal(response.status, 401);
  assert.deepEqual(entraError(response).error_codes, [7000218]);
});

void test("POST /token, when the client is unknown, answers unauthorized_client AADSTS700016", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await redeemCode(tenant, {
    code: "anything",
    code_verifier: "z".repeat(43),
    client_id: "99999999-9999-4999-8999-999999999999",
  });
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "unauthorized_client");
  assert.deepEqual(body.error_codes, [700016]);
});

void test("POST /token, with client_secret_basic, redeems the code", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  const basic = Buffer.from(
    `${encodeURIComponent(CLIENT.clientId)}:${encodeURIComponent(CLIENT.clientSecret)}`,
  ).toString("base64");
  // Act
  const response = await redeemCode(
    tenant,
    { code, code_verifier: pkce.verifier, client_id: undefined, client_secret: undefined },
    { authorization: `Basic ${basic}` },
  );
  // Assert
  assert.equal(response.status, 200);
});

void test("POST /token, when another client redeems the code, answers invalid_grant and leaves it unredeemed", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  // Act
  const stolen = await redeemCode(tenant, {
    code,
    code_verifier: pkce.verifier,
    client_id: OTHER_CLIENT.clientId,
    client_secret: OTHER_CLIENT.clientSecret,
    redirect_uri: OTHER_CLIENT.redirectUris[0],
  });
  const legitimate = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  // Assert
  assert.equal(stolen.status, 400);
  assert.equal(entraError(stolen).error, "invalid_grant");
  assert.equal(legitimate.status, 200);
});

void test("POST /token, with an unknown code, answers invalid_grant AADSTS9002313", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await redeemCode(tenant, { code: "never-issued", code_verifier: "a".repeat(43) });
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.deepEqual(body.error_codes, [9002313]);
  assert.equal(body.suberror, undefined);
});

void test("POST /token, with an unsupported grant_type, answers unsupported_grant_type AADSTS70003", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await redeemCode(tenant, { grant_type: "password", username: "x", password: "y" });
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "unsupported_grant_type");
  assert.deepEqual(body.error_codes, [70003]);
});

void test("POST /token, without the code parameter, answers invalid_request AADSTS900144 naming it", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await redeemCode(tenant, { code_verifier: "a".repeat(43) });
  // Assert
  const body = entraError(response);
  assert.equal(body.error, "invalid_request");
  assert.deepEqual(body.error_codes, [900144]);
  assert.match(
    body.error_description,
    /^AADSTS900144: The request body must contain the following parameter: 'code'\./,
  );
});

void test("POST /token, with a JSON body, answers AADSTS900144 for grant_type", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(tenant, tokenEndpoint(tenant), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "authorization_code", client_id: CLIENT.clientId }),
  });
  // Assert
  assert.equal(response.status, 400);
  assert.match(entraError(response).error_description, /following parameter: 'grant_type'/);
});

void test("POST /token, with a duplicated parameter, answers invalid_request AADSTS9000411", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const body = `grant_type=authorization_code&client_id=${CLIENT.clientId}&client_id=${OTHER_CLIENT.clientId}`;
  // Act
  const response = await tenantRequest(tenant, tokenEndpoint(tenant), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  // Assert
  assert.equal(response.status, 400);
  assert.deepEqual(entraError(response).error_codes, [9000411]);
});

void test("POST /token, with an unconsented Graph scope, answers invalid_grant consent_required AADSTS65001", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  // Act
  const response = await redeemCode(tenant, {
    code,
    code_verifier: pkce.verifier,
    scope: "openid offline_access Mail.Read",
  });
  // Assert
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, "consent_required");
  assert.deepEqual(body.error_codes, [65001]);
});

void test("POST /token, for a code without offline_access, answers no refresh token", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant, {
    scope: "openid profile https://graph.microsoft.com/Mail.Read",
  });
  // Act
  const body = parseJson<TokenResponse>(
    await redeemCode(tenant, { code, code_verifier: pkce.verifier, scope: undefined }),
  );
  // Assert
  assert.equal(body.refresh_token, undefined);
  assert.equal(body.scope, "openid profile email Mail.Read");
  assert.equal(decodeJwt(body.access_token).scp, "Mail.Read openid profile");
});

void test("POST /token, for an unknown tenant segment such as consumers, answers AADSTS90002", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await postForm(tenant, `${tenant.cloudInstance}consumers/oauth2/v2.0/token`, {
    grant_type: "authorization_code",
  });
  // Assert
  assert.equal(response.status, 400);
  assert.deepEqual(entraError(response).error_codes, [90002]);
});

void test("POST /token, with a non-GUID client-request-id, echoes it but correlates under a fresh GUID", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await redeemCode(
    tenant,
    { code: "never-issued", code_verifier: "a".repeat(43) },
    { "client-request-id": "not-a-guid" },
  );
  // Assert
  assert.equal(response.headers["client-request-id"], "not-a-guid");
  assert.match(
    entraError(response).correlation_id,
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
});
