import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfidentialClientApplication, InteractionRequiredAuthError } from "@azure/msal-node";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import type { LocalTenant } from "../../src/localTenant/index.js";
import {
  CLIENT,
  graphMe,
  newPkce,
  parseLoginForm,
  postForm,
  REDIRECT_URI,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

/** msal-node's network client on https with the tenant's certificate as the only trust anchor. */
function networkClient(tenant: LocalTenant): INetworkModule {
  async function send<T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const response = await tenantRequest(tenant, url, {
      method,
      headers: options?.headers ?? {},
      body: options?.body,
      timeoutMs: 5000,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      if (typeof value === "string") headers[name] = value;
    return { headers, body: JSON.parse(response.body) as T, status: response.status };
  }
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>("GET", url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>("POST", url, options),
  };
}

async function msalClient(tenant: LocalTenant): Promise<ConfidentialClientApplication> {
  const metadata = await tenantRequest(tenant, `${tenant.authority}/v2.0/.well-known/openid-configuration`);
  return new ConfidentialClientApplication({
    auth: {
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      authority: tenant.authority,
      knownAuthorities: [tenant.authorityHost],
      authorityMetadata: metadata.body,
    },
    system: { networkClient: networkClient(tenant) },
  });
}

async function signInWithMsal(tenant: LocalTenant, cca: ConfidentialClientApplication, userOid: string) {
  const pkce = newPkce();
  const url = await cca.getAuthCodeUrl({
    scopes: ["User.Read"],
    redirectUri: REDIRECT_URI,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: "S256",
    state: "msal-state",
    nonce: "msal-nonce",
    responseMode: "query",
  });
  assert.ok(url.startsWith(`${tenant.authority}/oauth2/v2.0/authorize?`), url);
  const page = await tenantRequest(tenant, url);
  const form = parseLoginForm(page.body);
  const answer = await postForm(tenant, form.action, { transaction: form.transaction, user: userOid });
  const params = new URL(answer.location ?? "").searchParams;
  assert.equal(params.get("state"), "msal-state");
  return cca.acquireTokenByCode({
    code: params.get("code") ?? "",
    scopes: ["User.Read"],
    redirectUri: REDIRECT_URI,
    codeVerifier: pkce.verifier,
    nonce: "msal-nonce",
  });
}

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
