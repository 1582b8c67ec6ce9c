import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import type { EntraErrorResponse, TokenResponse } from "./helpers.js";
import { OTHER_CLIENT, obtainTokens, parseJson, refresh, startTestTenant } from "./helpers.js";

function entraError(response: { body: string }): EntraErrorResponse {
  return JSON.parse(response.body) as EntraErrorResponse;
}

void test("POST /token refresh_token, when used, rotates the refresh token and keeps the old one valid", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  // Act
  const rotated = await refresh(tenant, first.refresh_token);
  const reused = await refresh(tenant, first.refresh_token);
  // Assert
  assert.equal(rotated.status, 200);
  assert.equal(reused.status, 200);
  const body = parseJson<TokenResponse>(rotated);
  assert.ok(body.refresh_token);
  assert.notEqual(body.refresh_token, first.refresh_token);
  assert.notEqual(body.access_token, first.access_token);
  assert.equal(body.client_info, first.client_info);
  assert.equal(decodeJwt(body.id_token).nonce, undefined, "no nonce on refresh");
  assert.equal(decodeJwt(body.id_token).oid, decodeJwt(first.id_token).oid);
  assert.equal(tenant.counters.tokenRefresh, 2);
});

void test("POST /token refresh_token, after revokeRefreshTokens, answers invalid_grant bad_token AADSTS50173", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const tokens = await obtainTokens(tenant, user.oid);
  assert.ok(tokens.refresh_token);
  tenant.revokeRefreshTokens(user.oid);
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, "bad_token");
  assert.deepEqual(body.error_codes, [50173]);
});

void test("POST /token refresh_token, after another user's revocation, still answers tokens", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, tenant.users[0]?.oid);
  assert.ok(tokens.refresh_token);
  tenant.revokeRefreshTokens(tenant.users[1]?.oid);
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  assert.equal(response.status, 200);
});

void test("POST /token refresh_token, when the refresh token has expired, answers invalid_grant bad_token AADSTS700082", async (t) => {
  // Arrange
  let now = Date.now();
  const tenant = await startTestTenant(t, { refreshTokenLifetimeSeconds: 1, now: () => now });
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  now += 1100;
  // Act
  const response = await refresh(tenant, tokens.refresh_token);
  // Assert
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, "bad_token");
  assert.deepEqual(body.error_codes, [700082]);
});

void test("POST /token refresh_token, with a token never issued, answers invalid_grant AADSTS9002313 without suberror", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await refresh(tenant, "0.AAAA-never-issued");
  // Assert
  const body = entraError(response);
  assert.equal(response.status, 400);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, undefined, "Entra sends none for a refresh token it cannot read");
  assert.deepEqual(body.error_codes, [9002313]);
});

void test("POST /token refresh_token, presented by another client, answers invalid_grant", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  // Act
  const response = await refresh(tenant, tokens.refresh_token, {
    client_id: OTHER_CLIENT.clientId,
    client_secret: OTHER_CLIENT.clientSecret,
  });
  // Assert
  assert.equal(response.status, 400);
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.deepEqual(body.error_codes, [70000]);
});

void test("POST /token refresh_token, asking for an unconsented scope, answers consent_required AADSTS65001", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  // Act
  const response = await refresh(tenant, tokens.refresh_token, { scope: "openid Calendars.Read" });
  // Assert
  const body = entraError(response);
  assert.equal(body.error, "invalid_grant");
  assert.equal(body.suberror, "consent_required");
  assert.deepEqual(body.error_codes, [65001]);
});

void test("POST /token refresh_token, with the .default scope, answers the consented scopes", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  // Act
  const response = await refresh(tenant, tokens.refresh_token, {
    scope: "https://graph.microsoft.com/.default offline_access",
  });
  // Assert
  assert.equal(response.status, 200);
  assert.equal(parseJson<TokenResponse>(response).scope, "openid profile email User.Read");
});
