import assert from "node:assert/strict";
import { test } from "node:test";
import type { LocalTenant } from "../src/index.js";
import {
  authorizeUrl,
  CLIENT,
  defaultAuthorizeParams,
  newPkce,
  obtainCode,
  obtainTokens,
  OTHER_CLIENT,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

function logoutUrl(tenant: LocalTenant, params: Record<string, string>): string {
  const url = new URL(`${tenant.authority}/oauth2/v2.0/logout`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

void test("GET /logout, with a registered post_logout_redirect_uri, redirects there with the state", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const target = CLIENT.postLogoutRedirectUris[0] ?? "";
  // Act
  const response = await tenantRequest(
    tenant,
    logoutUrl(tenant, { post_logout_redirect_uri: target, client_id: CLIENT.clientId, state: "bye" }),
  );
  // Assert
  assert.equal(response.status, 302);
  assert.equal(response.location, `${target}?state=bye`);
  const cookies = response.headers["set-cookie"] ?? [];
  assert.ok(cookies.some((c) => c.startsWith("ESTSAUTH=;") && c.includes("Max-Age=0")));
  assert.equal(tenant.counters.logout, 1);
});

void test("GET /logout, with an unregistered post_logout_redirect_uri, shows the signed-out page and does not redirect", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(
    tenant,
    logoutUrl(tenant, { post_logout_redirect_uri: "https://evil.example/", client_id: CLIENT.clientId }),
  );
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.location, undefined);
  assert.ok(response.body.includes("You have signed out"));
  assert.ok(response.body.includes("Local test tenant — not Microsoft Entra ID"));
});

void test("GET /logout, with another client's post_logout_redirect_uri, does not redirect", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(
    tenant,
    logoutUrl(tenant, {
      post_logout_redirect_uri: OTHER_CLIENT.postLogoutRedirectUris[0] ?? "",
      client_id: CLIENT.clientId,
    }),
  );
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.location, undefined);
});

void test("GET /logout, with an id_token_hint instead of client_id, redirects to that client's URI", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  // Act
  const response = await tenantRequest(
    tenant,
    logoutUrl(tenant, {
      post_logout_redirect_uri: CLIENT.postLogoutRedirectUris[0] ?? "",
      id_token_hint: tokens.id_token,
    }),
  );
  // Assert
  assert.equal(response.status, 302);
  assert.equal(response.location, CLIENT.postLogoutRedirectUris[0]);
});

void test("GET /logout, for a signed-in browser, ends the SSO session so prompt=none needs login", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { ssoCookie } = await obtainCode(tenant);
  assert.ok(ssoCookie);
  await tenantRequest(tenant, logoutUrl(tenant, {}), { headers: { cookie: ssoCookie } });
  const params = { ...defaultAuthorizeParams(newPkce()), prompt: "none" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(response.status, 302);
  assert.equal(new URL(response.location ?? "").searchParams.get("error"), "login_required");
});
