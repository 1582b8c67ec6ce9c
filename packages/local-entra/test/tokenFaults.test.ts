import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntraErrorResponse } from "./helpers.js";
import {
  CLIENT,
  obtainCode,
  obtainTokens,
  parseJson,
  redeemCode,
  refresh,
  startTestTenant,
  tenantRequest,
  tokenEndpoint,
} from "./helpers.js";

void test("faults.token status 429, on a refresh, answers temporarily_unavailable with Retry-After 1", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { status: 429 };
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(response.status, 429);
  assert.equal(response.headers["retry-after"], "1");
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "temporarily_unavailable");
  assert.match(body.error_description, /^AADSTS90033: /);
  assert.equal(response.headers["cache-control"], "no-store, no-cache");
  assert.equal(tenant.counters.tokenErrors, 1);
});

void test("faults.token status 429 with headers, on a refresh, sends the given Retry-After", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { status: 429, headers: { "Retry-After": "30", "x-ms-test": "yes" } };
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(response.headers["retry-after"], "30");
  assert.equal(response.headers["x-ms-test"], "yes");
});

void test("faults.token with times 1, on two refreshes, fails the first only and clears itself", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { status: 503, times: 1 };
  // Act
  const first = await refresh(tenant, tokens.refresh_token);
  const second = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(first.status, 503);
  assert.equal(second.status, 200);
  assert.equal(tenant.faults.token, null);
  assert.equal(tenant.counters.tokenErrors, 1);
});

void test("faults.token with times 2, on three refreshes, fails exactly two", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { status: 500, times: 2 };
  // Act
  const statuses: number[] = [];
  for (let i = 0; i < 3; i += 1) statuses.push((await refresh(tenant, tokens.refresh_token)).status);
  // Assert
  assert.deepEqual(statuses, [500, 500, 200]);
  assert.equal(tenant.faults.token, null);
});

void test("faults.token with grantType refresh_token, on a code redemption, lets the code grant through", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.token = { status: 400, grantType: "refresh_token" };
  const { code, pkce } = await obtainCode(tenant);
  // Act
  const redeemed = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  const refreshToken = parseJson<{ refresh_token: string }>(redeemed).refresh_token;
  const refreshed = await refresh(tenant, refreshToken);
  // Assert
  assert.equal(redeemed.status, 200);
  assert.equal(refreshed.status, 400);
  assert.deepEqual(tenant.faults.token, { status: 400, grantType: "refresh_token" }, "no times: stays");
});

void test("faults.token status 400 with grantType refresh_token, on a refresh, answers invalid_grant bad_token AADSTS700082", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { status: 400, grantType: "refresh_token" };
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(response.status, 400);
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, "bad_token");
  assert.deepEqual(body.error_codes, [700082]);
  assert.match(body.error_description, /^AADSTS700082: /);
});

void test("faults.token status 400 with grantType authorization_code, on a code redemption, answers invalid_grant", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  tenant.faults.token = { status: 400, grantType: "authorization_code", times: 1 };
  // Act
  const failed = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  const retried = await redeemCode(tenant, { code, code_verifier: pkce.verifier });
  // Assert
  const body = parseJson<EntraErrorResponse>(failed);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, undefined);
  assert.deepEqual(body.error_codes, [70008]);
  assert.equal(retried.status, 200, "the fault did not burn the code");
});

void test("faults.token status 500, on a refresh, answers server_error in Entra's shape", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  tenant.faults.token = { status: 500 };
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(response.status, 500);
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "server_error");
  assert.deepEqual(body.error_codes, [50000]);
  assert.match(body.trace_id, /^[0-9a-f-]{36}$/);
});

void test("faults.token hang with grantType authorization_code and times 1, on a refresh, answers normally", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  const { code, pkce } = await obtainCode(tenant);
  tenant.faults.token = { hang: true, grantType: "authorization_code", times: 1 };
  // Act
  const refreshed = await refresh(tenant, tokens.refresh_token);
  const hung = tenantRequest(tenant, tokenEndpoint(tenant), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      code_verifier: pkce.verifier,
      redirect_uri: CLIENT.redirectUris[0] ?? "",
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    }).toString(),
    timeoutMs: 300,
  });
  // Assert
  assert.equal(refreshed.status, 200);
  await assert.rejects(hung, /client timeout/);
  assert.equal(tenant.faults.token, null, "times 1: cleared after the hung request");
  assert.equal((await redeemCode(tenant, { code, code_verifier: pkce.verifier })).status, 200);
});
