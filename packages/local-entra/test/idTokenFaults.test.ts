import assert from "node:assert/strict";
import { test } from "node:test";
import { compactVerify, createLocalJWKSet, decodeJwt } from "jose";
import type { JSONWebKeySet } from "jose";
import type { LocalTenant } from "../src/index.js";
import type { TokenResponse } from "./helpers.js";
import { CLIENT, obtainTokens, parseJson, refresh, startTestTenant, tenantRequest } from "./helpers.js";

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

async function signatureValid(tenant: LocalTenant, jwt: string): Promise<boolean> {
  const jwks = parseJson<JSONWebKeySet>(
    await tenantRequest(tenant, `${tenant.authority}/discovery/v2.0/keys`),
  );
  await compactVerify(jwt, createLocalJWKSet(jwks));
  return true;
}

void test("faults.idToken nonce wrong, on a code redemption, issues an id token with a different nonce", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.idToken = { nonce: "wrong" };
  // Act
  const tokens = await obtainTokens(tenant);
  // Assert
  const nonce = decodeJwt(tokens.id_token).nonce;
  assert.equal(typeof nonce, "string");
  assert.notEqual(nonce, "nonce-456", "the authorize request sent nonce-456");
  assert.equal(await signatureValid(tenant, tokens.id_token), true, "still signed with the real key");
});

void test("faults.idToken nonce missing, on a code redemption, issues an id token without nonce", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.idToken = { nonce: "missing" };
  // Act
  const tokens = await obtainTokens(tenant);
  // Assert
  assert.equal("nonce" in decodeJwt(tokens.id_token), false);
});

void test("faults.idToken issuer and audience, on a code redemption, replace iss and aud", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.idToken = {
    issuer: "https://login.microsoftonline.com/other-tenant/v2.0",
    audience: [CLIENT.clientId, "other-app"],
  };
  // Act
  const tokens = await obtainTokens(tenant);
  // Assert
  const claims = decodeJwt(tokens.id_token);
  assert.equal(claims.iss, "https://login.microsoftonline.com/other-tenant/v2.0");
  assert.deepEqual(claims.aud, [CLIENT.clientId, "other-app"]);
  assert.equal(decodeJwt(tokens.access_token).iss, `https://sts.windows.net/${tenant.tenantId}/`);
});

void test("faults.idToken expiredSecondsAgo, on a code redemption, issues an id token that expired n seconds ago", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.idToken = { expiredSecondsAgo: 600 };
  // Act
  const before = nowSeconds();
  const tokens = await obtainTokens(tenant);
  const after = nowSeconds();
  // Assert
  const { exp, iat, nbf } = decodeJwt(tokens.id_token);
  assert.ok(exp !== undefined && exp >= before - 600 && exp <= after - 600, `exp ${exp}`);
  assert.equal(iat, exp - 3600);
  assert.equal(nbf, iat);
});

void test("faults.idToken issuedInFutureSeconds, on a code redemption, issues an id token from the future", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.idToken = { issuedInFutureSeconds: 900 };
  // Act
  const before = nowSeconds();
  const tokens = await obtainTokens(tenant);
  const after = nowSeconds();
  // Assert
  const { exp, iat, nbf } = decodeJwt(tokens.id_token);
  assert.ok(iat !== undefined && iat >= before + 900 && iat <= after + 900, `iat ${iat}`);
  assert.equal(nbf, iat);
  assert.equal(exp, iat + 3600);
});

void test("faults.idToken oid on refresh_token, on a refresh, returns another user's id token but the real client_info", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const [real, other] = tenant.users;
  assert.ok(real && other);
  const first = await obtainTokens(tenant, real.oid);
  assert.ok(first.refresh_token);
  tenant.faults.idToken = { oid: other.oid, grantType: "refresh_token" };
  // Act
  const response = await refresh(tenant, first.refresh_token);
  // Assert
  const body = parseJson<TokenResponse>(response);
  const idClaims = decodeJwt(body.id_token);
  assert.equal(idClaims.oid, other.oid);
  assert.equal(idClaims.preferred_username, other.userPrincipalName);
  assert.notEqual(idClaims.sub, decodeJwt(first.id_token).sub);
  assert.equal(body.client_info, first.client_info, "client_info names the real user");
  assert.equal(decodeJwt(body.access_token).oid, real.oid);
});

void test("faults.idToken with grantType refresh_token, on a code redemption, leaves the id token untouched", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  tenant.faults.idToken = { oid: tenant.users[1]?.oid, nonce: "missing", grantType: "refresh_token" };
  // Act
  const tokens = await obtainTokens(tenant, user.oid);
  // Assert
  const claims = decodeJwt(tokens.id_token);
  assert.equal(claims.oid, user.oid);
  assert.equal(claims.nonce, "nonce-456");
});

void test("faults.idToken sub and tid, on a refresh, replace sub and tid only", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const first = await obtainTokens(tenant);
  assert.ok(first.refresh_token);
  tenant.faults.idToken = { sub: "another-subject", tid: "00000000-0000-4000-8000-00000000abcd" };
  // Act
  const body = parseJson<TokenResponse>(await refresh(tenant, first.refresh_token));
  // Assert
  const claims = decodeJwt(body.id_token);
  assert.equal(claims.sub, "another-subject");
  assert.equal(claims.tid, "00000000-0000-4000-8000-00000000abcd");
  assert.equal(claims.oid, decodeJwt(first.id_token).oid);
});

void test("faults.idToken, once set back to null, issues normal id tokens again", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.faults.idToken = { issuer: "https://evil.example/v2.0" };
  const faulty = await obtainTokens(tenant);
  // Act
  tenant.faults.idToken = null;
  const healthy = await obtainTokens(tenant);
  // Assert
  assert.equal(decodeJwt(faulty.id_token).iss, "https://evil.example/v2.0");
  assert.equal(decodeJwt(healthy.id_token).iss, `${tenant.authority}/v2.0`);
});
