import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import { CAE_ANSWER_CLAIM } from "../src/index.js";
import { challengeClaims, graphMe, startTestTenant, tokenEndpoint } from "./helpers.js";
import type { SentRequest } from "./msalHelpers.js";
import { msalClient, signInWithMsal } from "./msalHelpers.js";

function claimsParameter(body: string | undefined): Record<string, Record<string, unknown>> {
  const raw = new URLSearchParams(body ?? "").get("claims");
  assert.ok(raw, "the request carries a claims parameter");
  return JSON.parse(raw) as Record<string, Record<string, unknown>>;
}

void test("msal-node 7, with clientCapabilities CP1, sends xms_cc and gets access tokens with xms_cc CP1", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const sent: SentRequest[] = [];
  const cca = await msalClient(tenant, { clientCapabilities: ["CP1"], sent });
  // Act
  const result = await signInWithMsal(tenant, cca, tenant.users[0]?.oid ?? "");
  // Assert
  const authorizeClaims = claimsParameter(new URL(result.authorizeUrl).search.slice(1));
  assert.deepEqual(authorizeClaims.access_token?.xms_cc, { values: ["CP1"] });
  const tokenRequest = sent.find((r) => r.method === "POST" && r.url.startsWith(tokenEndpoint(tenant)));
  assert.deepEqual(claimsParameter(tokenRequest?.body).access_token?.xms_cc, { values: ["CP1"] });
  assert.deepEqual(decodeJwt(result.accessToken).xms_cc, ["CP1"]);
});

void test("msal-node 7, acquireTokenSilent with the challenge's claims, sends them and gets a token Graph accepts", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const sent: SentRequest[] = [];
  const cca = await msalClient(tenant, { clientCapabilities: ["CP1"], sent });
  const first = await signInWithMsal(tenant, cca, tenant.users[1]?.oid ?? "");
  assert.ok(first.account);
  tenant.faults.graph = { claimsChallenge: true };
  const challenged = await graphMe(tenant, first.accessToken);
  assert.equal(challenged.status, 401);
  const claims = challengeClaims(challenged);
  sent.length = 0;
  // Act
  const silent = await cca.acquireTokenSilent({ account: first.account, scopes: ["User.Read"], claims });
  const me = await graphMe(tenant, silent.accessToken);
  // Assert
  assert.equal(silent.fromCache, false);
  const refreshRequest = sent.find(
    (r) => new URLSearchParams(r.body ?? "").get("grant_type") === "refresh_token",
  );
  const sentClaims = claimsParameter(refreshRequest?.body);
  const challenge = JSON.parse(claims) as { access_token: { nbf: unknown } };
  assert.deepEqual(sentClaims.access_token?.nbf, challenge.access_token.nbf);
  assert.deepEqual(sentClaims.access_token?.xms_cc, { values: ["CP1"] }, "merged with the capabilities");
  assert.equal(typeof decodeJwt(silent.accessToken)[CAE_ANSWER_CLAIM], "number");
  assert.equal(me.status, 200);
  assert.equal(tenant.counters.tokenRefresh, 1);
});

void test("msal-node 7, acquireTokenSilent forced without claims, gets a token Graph still challenges", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const cca = await msalClient(tenant, { clientCapabilities: ["CP1"] });
  const first = await signInWithMsal(tenant, cca, tenant.users[0]?.oid ?? "");
  assert.ok(first.account);
  tenant.faults.graph = { claimsChallenge: true };
  // Act
  const silent = await cca.acquireTokenSilent({
    account: first.account,
    scopes: ["User.Read"],
    forceRefresh: true,
  });
  const me = await graphMe(tenant, silent.accessToken);
  // Assert
  assert.equal(silent.fromCache, false);
  assert.equal(me.status, 401);
  assert.match(String(me.headers["www-authenticate"]), /error="insufficient_claims"/);
});

void test("msal-node 7, signing in again with the challenge's claims in getAuthCodeUrl and acquireTokenByCode, gets a token Graph accepts", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[2];
  assert.ok(user);
  const cca = await msalClient(tenant, { clientCapabilities: ["CP1"] });
  const first = await signInWithMsal(tenant, cca, user.oid);
  tenant.faults.graph = { claimsChallenge: true };
  const claims = challengeClaims(await graphMe(tenant, first.accessToken));
  // Act
  const again = await signInWithMsal(tenant, cca, user.oid, claims);
  const me = await graphMe(tenant, again.accessToken);
  // Assert
  assert.ok(new URL(again.authorizeUrl).searchParams.get("claims")?.includes('"nbf"'));
  assert.equal(me.status, 200);
  assert.equal((JSON.parse(me.body) as { id: string }).id, user.oid);
  assert.deepEqual(decodeJwt(again.accessToken).xms_cc, ["CP1"]);
});
