import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { JSONWebKeySet } from "jose";
import { CODE_PREFIX, REFRESH_TOKEN_PREFIX } from "../src/index.js";
import type { TokenResponse } from "./helpers.js";
import {
  authorizeUrl,
  defaultAuthorizeParams,
  graphMe,
  newPkce,
  obtainCode,
  obtainTokens,
  parseJson,
  parseLoginForm,
  redeemCode,
  refresh,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

void test("CODE_PREFIX and REFRESH_TOKEN_PREFIX, as exported, are LTCODE. and LTRT.", () => {
  // Assert
  assert.equal(CODE_PREFIX, "LTCODE.");
  assert.equal(REFRESH_TOKEN_PREFIX, "LTRT.");
});

void test("an authorization code, as issued, starts with LTCODE. followed by 64 random characters", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const first = await obtainCode(tenant);
  const second = await obtainCode(tenant);
  // Assert
  assert.match(first.code, /^LTCODE\.[A-Za-z0-9_-]{64}$/);
  assert.notEqual(first.code, second.code);
});

void test("a refresh token, as issued by code and refresh grants, starts with LTRT. followed by random characters", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  // Act
  const rotated = parseJson<TokenResponse>(await refresh(tenant, tokens.refresh_token));
  // Assert
  assert.match(tokens.refresh_token, /^LTRT\.[A-Za-z0-9_-]{86}$/);
  assert.match(rotated.refresh_token ?? "", /^LTRT\.[A-Za-z0-9_-]{86}$/);
  assert.notEqual(rotated.refresh_token, tokens.refresh_token);
});

void test("access and id tokens, as issued, are eyJ JWTs with the JWKS kid and a uti claim", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const jwks = parseJson<JSONWebKeySet>(
    await tenantRequest(tenant, `${tenant.authority}/discovery/v2.0/keys`),
  );
  // Act
  const { code, pkce } = await obtainCode(tenant);
  const tokens = parseJson<TokenResponse>(await redeemCode(tenant, { code, code_verifier: pkce.verifier }));
  // Assert
  for (const jwt of [tokens.access_token, tokens.id_token]) {
    assert.ok(jwt.startsWith("eyJ"), jwt.slice(0, 10));
    assert.equal(decodeProtectedHeader(jwt).kid, jwks.keys[0]?.kid);
    assert.match(String(decodeJwt(jwt).uti), /^[A-Za-z0-9_-]{16,}$/);
  }
  assert.notEqual(decodeJwt(tokens.access_token).uti, decodeJwt(tokens.id_token).uti);
});

void test("the sign-in page, listing the hostile test user last, escapes her HTML", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const mallory = tenant.users.at(-1);
  assert.ok(mallory);
  assert.match(mallory.displayName, /<script>/);
  assert.match(mallory.jobTitle ?? "", /<img src=x onerror=/);
  // Act
  const page = await tenantRequest(tenant, authorizeUrl(tenant, defaultAuthorizeParams(newPkce())));
  // Assert
  assert.equal(page.status, 200);
  assert.equal(page.body.includes(mallory.displayName), false, "never raw");
  assert.equal(page.body.includes("<script>alert"), false);
  assert.ok(page.body.includes("Mallory &lt;script&gt;alert(&#39;displayName&#39;)&lt;/script&gt;"));
  const listed = parseLoginForm(page.body).users;
  assert.deepEqual(listed.at(-1), { oid: mallory.oid, displayName: mallory.displayName });
  assert.equal(listed[0]?.displayName, "Adele Vance");
});

void test("GET /v1.0/me, for the hostile test user, answers her HTML verbatim in JSON", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const mallory = tenant.users.at(-1);
  assert.ok(mallory);
  const tokens = await obtainTokens(tenant, mallory.oid);
  // Act
  const profile = parseJson(await graphMe(tenant, tokens.access_token));
  // Assert
  assert.equal(profile.displayName, mallory.displayName);
  assert.equal(profile.jobTitle, mallory.jobTitle);
  assert.equal(decodeJwt(tokens.id_token).name, mallory.displayName);
});
