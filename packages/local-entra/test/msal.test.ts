import assert from "node:assert/strict";
import { test } from "node:test";
import { InteractionRequiredAuthError } from "@azure/msal-node";
import { graphMe, startTestTenant } from "./helpers.js";
import { msalClient, signInWithMsal } from "./msalHelpers.js";

void test("msal-node 7, signing in through the local tenant, gets an account keyed oid.tid and a usable Graph token", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const cca = await msalClient(tenant);
  // Act
  const result = await signInWithMsal(tenant, cca, user.oid);
  const me = await graphMe(tenant, result.accessToken);
  // Assert
  assert.equal(result.account?.homeAccountId, `${user.oid}.${tenant.tenantId}`);
  assert.equal(result.account?.username, user.userPrincipalName);
  assert.equal(result.account?.tenantId, tenant.tenantId);
  assert.equal((result.idTokenClaims as { nonce?: unknown }).nonce, "msal-nonce");
  assert.deepEqual(result.scopes, ["openid", "profile", "email", "User.Read"]);
  assert.equal(me.status, 200);
  assert.equal((JSON.parse(me.body) as { id: string }).id, user.oid);
  assert.equal(tenant.counters.tokenAuthorizationCode, 1);
  assert.equal(tenant.counters.discovery, 1, "authorityMetadata: MSAL fetches no discovery document itself");
});

void test("msal-node 7, acquireTokenSilent, serves the cache and then refreshes through the tenant when forced", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const cca = await msalClient(tenant);
  const first = await signInWithMsal(tenant, cca, tenant.users[1]?.oid ?? "");
  assert.ok(first.account);
  // Act
  const cached = await cca.acquireTokenSilent({ account: first.account, scopes: ["User.Read"] });
  const refreshed = await cca.acquireTokenSilent({
    account: first.account,
    scopes: ["User.Read"],
    forceRefresh: true,
  });
  // Assert
  assert.equal(cached.fromCache, true);
  assert.equal(cached.accessToken, first.accessToken);
  assert.equal(refreshed.fromCache, false);
  assert.notEqual(refreshed.accessToken, first.accessToken);
  assert.equal(tenant.counters.tokenRefresh, 1);
});

void test("msal-node 7, when the access token is inside MSAL's 5-minute margin, refreshes on the silent call", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { accessTokenLifetimeSeconds: 299 });
  const cca = await msalClient(tenant);
  const first = await signInWithMsal(tenant, cca, tenant.users[2]?.oid ?? "");
  assert.ok(first.account);
  // Act
  const silent = await cca.acquireTokenSilent({ account: first.account, scopes: ["User.Read"] });
  // Assert
  assert.equal(silent.fromCache, false);
  assert.equal(tenant.counters.tokenRefresh, 1);
});

void test("msal-node 7, after revokeRefreshTokens, turns bad_token into InteractionRequiredAuthError", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const cca = await msalClient(tenant);
  const user = tenant.users[0];
  assert.ok(user);
  const first = await signInWithMsal(tenant, cca, user.oid);
  assert.ok(first.account);
  tenant.revokeRefreshTokens(user.oid);
  // Act
  const attempt = cca.acquireTokenSilent({
    account: first.account,
    scopes: ["User.Read"],
    forceRefresh: true,
  });
  // Assert
  await assert.rejects(attempt, (error: unknown) => {
    assert.ok(error instanceof InteractionRequiredAuthError, String(error));
    assert.equal(error.errorCode, "invalid_grant");
    assert.equal(error.subError, "bad_token");
    assert.match(error.errorMessage, /AADSTS50173/);
    return true;
  });
});
