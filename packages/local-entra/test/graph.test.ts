import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import {
  CLIENT,
  graphMe,
  obtainCode,
  obtainTokens,
  parseJson,
  redeemCode,
  refresh,
  startTestTenant,
  tenantRequest,
  tokenEndpoint,
} from "./helpers.js";

interface GraphError {
  error: { code: string; message: string; innerError: Record<string, string> };
}

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

void test("GET /v1.0/me, with a valid access token, answers the user's profile in Graph's shape", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const tokens = await obtainTokens(tenant, user.oid);
  // Act
  const response = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(response.status, 200);
  assert.equal(
    response.headers["content-type"],
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
  );
  assert.match(String(response.headers["request-id"]), /^[0-9a-f-]{36}$/);
  assert.deepEqual(JSON.parse(response.body), {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
    businessPhones: [...user.businessPhones],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: user.mobilePhone,
    officeLocation: user.officeLocation,
    preferredLanguage: user.preferredLanguage,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    id: user.oid,
  });
  assert.equal(tenant.counters.graphMe, 1);
  assert.equal(tenant.counters.graphErrors, 0);
});

void test("GET /v1.0/me, for the user with missing data, answers nulls and an empty phone list", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users.find((u) => u.jobTitle === null);
  assert.ok(user);
  const tokens = await obtainTokens(tenant, user.oid);
  // Act
  const body = parseJson(await graphMe(tenant, tokens.access_token));
  // Assert
  assert.equal(body.jobTitle, null);
  assert.equal(body.mobilePhone, null);
  assert.deepEqual(body.businessPhones, []);
});

void test("GET /v1.0/me, with $select, answers only the selected properties", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[1];
  assert.ok(user);
  const tokens = await obtainTokens(tenant, user.oid);
  // Act
  const response = await graphMe(tenant, tokens.access_token, "?$select=mail,displayName");
  // Assert
  assert.deepEqual(JSON.parse(response.body), {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(mail,displayName)/$entity",
    displayName: user.displayName,
    mail: user.mail,
  });
});

void test("GET /v1.0/me, with $select of an unknown property, answers 400 BadRequest", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  // Act
  const response = await graphMe(tenant, tokens.access_token, "?$select=favouriteColour");
  // Assert
  assert.equal(response.status, 400);
  assert.equal(parseJson<GraphError>(response).error.code, "BadRequest");
});

void test("GET /v1.0/me, without a token, answers 401 'Access token is empty.'", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await graphMe(tenant, undefined, "");
  // Assert
  assert.equal(response.status, 401);
  assert.equal(response.headers["www-authenticate"], WWW_AUTHENTICATE);
  const body = parseJson<GraphError>(response);
  assert.equal(body.error.code, "InvalidAuthenticationToken");
  assert.equal(body.error.message, "Access token is empty.");
  assert.equal(body.error.innerError["request-id"], response.headers["request-id"]);
  assert.match(body.error.innerError.date ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(tenant.counters.graphErrors, 1);
});

void test("GET /v1.0/me, with a token signed by another key, answers 401 InvalidAuthenticationToken", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const genuine = await obtainTokens(tenant);
  const { privateKey } = await generateKeyPair("RS256");
  const forged = await new SignJWT(decodeJwt(genuine.access_token))
    .setProtectedHeader({ ...decodeProtectedHeader(genuine.access_token), alg: "RS256" })
    .sign(privateKey);
  // Act
  const response = await graphMe(tenant, forged);
  // Assert
  assert.equal(response.status, 401);
  assert.equal(response.headers["www-authenticate"], `${WWW_AUTHENTICATE}, error="invalid_token"`);
  const body = parseJson<GraphError>(response);
  assert.equal(body.error.code, "InvalidAuthenticationToken");
  assert.match(body.error.message, /^Access token validation failure\./);
});

void test("GET /v1.0/me, with an id token as bearer, answers 401 'Invalid issuer.'", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  // Act
  const response = await graphMe(tenant, tokens.id_token);
  // Assert
  assert.equal(response.status, 401);
  assert.equal(
    parseJson<GraphError>(response).error.message,
    "Access token validation failure. Invalid issuer.",
  );
});

void test("GET /v1.0/me, with a token lacking User.Read, answers 403 Authorization_RequestDenied", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant, { scope: "openid profile offline_access Mail.Read" });
  const tokens = parseJson<{ access_token: string }>(
    await redeemCode(tenant, { code, code_verifier: pkce.verifier, scope: undefined }),
  );
  // Act
  const response = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(response.status, 403);
  const body = parseJson<GraphError>(response);
  assert.equal(body.error.code, "Authorization_RequestDenied");
  assert.equal(body.error.message, "Insufficient privileges to complete the operation.");
});

void test("GET /v1.0/me, after consenting to User.Read in a later sign-in, answers the profile", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  await obtainCode(tenant, { scope: "openid profile Mail.Read" }, user.oid);
  const { code, pkce } = await obtainCode(tenant, { scope: "openid profile User.Read" }, user.oid);
  const tokens = parseJson<{ access_token: string; scope: string }>(
    await redeemCode(tenant, { code, code_verifier: pkce.verifier, scope: undefined }),
  );
  // Act
  const response = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(tokens.scope, "openid profile email Mail.Read User.Read");
  assert.equal(response.status, 200);
});

void test("GET /v1.0/me, with client-request-id, echoes it in headers and errors", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(tenant, `${tenant.graphEndpoint}v1.0/me`, {
    headers: { "client-request-id": "abc-123" },
  });
  // Assert
  assert.equal(response.headers["client-request-id"], "abc-123");
  assert.equal(parseJson<GraphError>(response).error.innerError["client-request-id"], "abc-123");
});

void test("an unknown Graph path, with a valid token, answers 400 BadRequest in Graph's shape", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  // Act
  const response = await tenantRequest(tenant, `${tenant.graphEndpoint}v1.0/groups`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  // Assert
  assert.equal(response.status, 400);
  const body = parseJson<GraphError>(response);
  assert.equal(body.error.code, "BadRequest");
  assert.equal(body.error.message, "Resource not found for the segment 'groups'.");
});

void test("faults.graph, set to status 500, answers Graph's 500 body until cleared", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  tenant.faults.graph = { status: 500 };
  // Act
  const failing = await graphMe(tenant, tokens.access_token);
  tenant.faults.graph = null;
  const healthy = await graphMe(tenant, tokens.access_token);
  // Assert
  assert.equal(failing.status, 500);
  assert.equal(parseJson<GraphError>(failing).error.code, "generalException");
  assert.equal(healthy.status, 200);
  assert.equal(tenant.counters.graphMe, 2);
  assert.equal(tenant.counters.graphErrors, 1);
});

void test("faults.graph, with a body and headers, answers exactly those", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.graph = {
    status: 429,
    body: { error: { code: "TooManyRequests" } },
    headers: { "Retry-After": "7" },
  };
  // Act
  const response = await graphMe(tenant, "irrelevant");
  // Assert
  assert.equal(response.status, 429);
  assert.equal(response.headers["retry-after"], "7");
  assert.deepEqual(JSON.parse(response.body), { error: { code: "TooManyRequests" } });
});

void test("faults.graph, set to hang, holds the request until the client gives up", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.graph = { hang: true };
  const started = Date.now();
  // Act
  const attempt = tenantRequest(tenant, `${tenant.graphEndpoint}v1.0/me`, { timeoutMs: 300 });
  // Assert
  await assert.rejects(attempt, /client timeout/);
  assert.ok(Date.now() - started < 3000);
  assert.equal(tenant.counters.graphMe, 1);
});

void test("close(), while a Graph request hangs, destroys the socket and resolves", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.graph = { hang: true };
  const pending = tenantRequest(tenant, `${tenant.graphEndpoint}v1.0/me`, { timeoutMs: 10_000 });
  pending.catch(() => undefined);
  for (let i = 0; i < 100 && tenant.counters.graphMe === 0; i += 1)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(tenant.counters.graphMe, 1);
  const started = Date.now();
  // Act
  await tenant.close();
  // Assert
  await assert.rejects(pending, (error: NodeJS.ErrnoException) => error.message !== "client timeout");
  assert.ok(Date.now() - started < 2000, "close() must not wait for the hung request");
});

void test("faults.token, set to status 503, answers temporarily_unavailable in Entra's shape", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { status: 503 };
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(response.status, 503);
  const body = parseJson<{ error: string; error_codes: number[] }>(response);
  assert.equal(body.error, "temporarily_unavailable");
  assert.deepEqual(body.error_codes, [90033]);
  assert.equal(tenant.counters.tokenRefresh, 1);
  assert.equal(tenant.counters.tokenErrors, 1);
});

void test("faults.token, set to hang, holds the token request until the client gives up", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { hang: true };
  // Act
  const attempt = tenantRequest(tenant, tokenEndpoint(tenant), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    }).toString(),
    timeoutMs: 300,
  });
  // Assert
  await assert.rejects(attempt, /client timeout/);
  tenant.faults.token = null;
  assert.equal((await refresh(tenant, tokens.refresh_token)).status, 200);
});
