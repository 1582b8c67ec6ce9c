import assert from "node:assert/strict";
import { test } from "node:test";
import {
  authorizeUrl,
  defaultAuthorizeParams,
  newPkce,
  obtainCode,
  obtainTokens,
  parseLoginForm,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

void test("registerClient, after start, makes the new client usable at /authorize", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const late = {
    clientId: "c0ffee00-1234-4abc-8def-0123456789ab",
    clientSecret: "late~secret",
    redirectUris: ["http://localhost:5173/auth/redirect"],
  };
  const params = {
    ...defaultAuthorizeParams(newPkce()),
    client_id: late.clientId,
    redirect_uri: late.redirectUris[0],
  };
  const before = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Act
  tenant.registerClient(late);
  const after = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  assert.equal(before.status, 400);
  assert.ok(before.body.includes('data-code="AADSTS700016"'));
  assert.equal(after.status, 200);
  assert.equal(parseLoginForm(after.body).users.length, tenant.users.length);
});

void test("registerClient, with a plain-http redirect URI on a public host, refuses it like Entra", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const register = () =>
    tenant.registerClient({
      clientId: "c0ffee00-1234-4abc-8def-0123456789ac",
      clientSecret: "s",
      redirectUris: ["http://app.example/auth/redirect"],
    });
  // Assert
  assert.throws(register, /must use https/);
});

void test("GET /authorize, without prompt and with an SSO session, answers a code without showing the page", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { ssoCookie } = await obtainCode(tenant);
  assert.ok(ssoCookie);
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, defaultAuthorizeParams(newPkce())), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(response.status, 302);
  assert.ok(new URL(response.location ?? "").searchParams.get("code"));
});

void test("revokeRefreshTokens, for a user, also ends that user's SSO sessions", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const { ssoCookie } = await obtainCode(tenant, {}, user.oid);
  assert.ok(ssoCookie);
  // Act
  tenant.revokeRefreshTokens(user.oid);
  const page = await tenantRequest(tenant, authorizeUrl(tenant, defaultAuthorizeParams(newPkce())), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(page.status, 200, "the sign-in page, not a silent code");
});

void test("resetCounters, after traffic, sets every counter back to zero on the same object", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const counters = tenant.counters;
  await obtainTokens(tenant);
  assert.equal(counters.authorize, 1);
  assert.equal(counters.tokenAuthorizationCode, 1);
  // Act
  tenant.resetCounters();
  // Assert
  assert.equal(tenant.counters, counters);
  assert.deepEqual(counters, {
    discovery: 0,
    authorize: 0,
    tokenAuthorizationCode: 0,
    tokenRefresh: 0,
    tokenErrors: 0,
    jwks: 0,
    logout: 0,
    graphMe: 0,
    graphErrors: 0,
    graphPhoto: 0,
    graphCalendar: 0,
  });
});

void test("the log option, while serving, receives messages instead of the console", async (t) => {
  // Arrange
  const messages: string[] = [];
  const tenant = await startTestTenant(t, { log: (message) => messages.push(message) });
  // Act
  await tenantRequest(tenant, `${tenant.authority}/v2.0/.well-known/openid-configuration`);
  // Assert
  assert.ok(messages.some((m) => m.startsWith(`local tenant ${tenant.tenantId}`)));
  assert.ok(messages.some((m) => m.includes("GET /") && m.endsWith("-> 200")));
});

void test("close(), called twice, resolves both times and frees the ports", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  await tenant.close();
  await tenant.close();
  // Assert
  await assert.rejects(
    tenantRequest(tenant, `${tenant.authority}/v2.0/.well-known/openid-configuration`, { timeoutMs: 2000 }),
    (error: NodeJS.ErrnoException) => error.code === "ECONNREFUSED",
  );
});
