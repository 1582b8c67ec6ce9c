import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntraErrorResponse } from "./helpers.js";
import {
  authorizeUrl,
  defaultAuthorizeParams,
  newPkce,
  obtainCode,
  parseLoginForm,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

void test("GET /authorize, with prompt=select_account and an SSO session, shows the account picker instead of signing in", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { ssoCookie } = await obtainCode(tenant, {}, tenant.users[1]?.oid);
  assert.ok(ssoCookie);
  const params = { ...defaultAuthorizeParams(newPkce()), prompt: "select_account" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(response.status, 200);
  assert.deepEqual(
    parseLoginForm(response.body).users.map((user) => user.oid),
    tenant.users.map((user) => user.oid),
  );
});

void test("GET /authorize, with prompt=select_account, an SSO session and a login_hint for that user, still shows the picker", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[1];
  assert.ok(user);
  const { ssoCookie } = await obtainCode(tenant, {}, user.oid);
  assert.ok(ssoCookie);
  const params = {
    ...defaultAuthorizeParams(newPkce()),
    prompt: "select_account",
    login_hint: user.userPrincipalName,
  };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(response.status, 200);
  assert.ok(parseLoginForm(response.body).users.length > 1);
});

void test("GET /authorize, without prompt and with an SSO session, still signs in silently", async (t) => {
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

const DOMAIN_HINTS = [
  "contoso.test",
  "fabrikam.test",
  "organizations",
  "consumers",
  "unknown.example",
  "",
  "ÄÖÜ.test",
];

for (const domainHint of DOMAIN_HINTS) {
  void test(`GET /authorize, with domain_hint '${domainHint}', is accepted and shows the sign-in page`, async (t) => {
    // Arrange
    const tenant = await startTestTenant(t);
    const params = { ...defaultAuthorizeParams(newPkce()), domain_hint: domainHint };
    // Act
    const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
    // Assert
    assert.equal(response.status, 200);
    assert.equal(parseLoginForm(response.body).users.length, tenant.users.length);
  });
}

const UNSUPPORTED_PROMPTS = [
  "admin_consent",
  "unspecified",
  "create",
  "consent select_account",
  "LOGIN",
  "Select_Account",
  " login",
];

for (const prompt of UNSUPPORTED_PROMPTS) {
  void test(`GET /authorize, with prompt '${prompt}', redirects invalid_request AADSTS90023 Unsupported 'prompt' value`, async (t) => {
    // Arrange
    const tenant = await startTestTenant(t);
    const params = { ...defaultAuthorizeParams(newPkce()), prompt };
    // Act
    const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
    // Assert
    assert.equal(response.status, 302);
    const answer = new URL(response.location ?? "").searchParams;
    const error: Partial<EntraErrorResponse> = {
      error: answer.get("error") ?? "",
      error_description: answer.get("error_description") ?? "",
    };
    assert.equal(error.error, "invalid_request");
    assert.match(error.error_description ?? "", /^AADSTS90023: Unsupported 'prompt' value\.\r\nTrace ID: /);
    assert.equal(answer.get("state"), "state-123");
  });
}
