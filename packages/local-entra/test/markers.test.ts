import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { JSONWebKeySet } from "jose";
import { CODE_PREFIX, REFRESH_TOKEN_PREFIX } from "../src/index.js";
import type { TokenResponse } from "./helpers.js";
import {
  authorizeUrl,
  CODE_PATTERN,
  defaultAuthorizeParams,
  graphMe,
  newPkce,
  obtainCode,
  obtainTokens,
  parseJson,
  parseLoginForm,
  redeemCode,
  refresh,
  REFRESH_TOKEN_PATTERN,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

void test("CODE_PREFIX and REFRESH_TOKEN_PREFIX, as exported, look like Entra's 1.A… values and name the stand-in", () => {
  // Assert
  for (const [prefix, marker] of [
    [CODE_PREFIX, "LocalEntra#C"],
    [REFRESH_TOKEN_PREFIX, "LocalEntra#R"],
  ] as const) {
    assert.match(prefix, /^1\.AXkA[A-Za-z0-9_-]{16}$/);
    assert.equal(Buffer.from(prefix.slice(6), "base64url").toString("utf8"), marker);
  }
  assert.notEqual(CODE_PREFIX, REFRESH_TOKEN_PREFIX);
});

void test("an authorization code, as issued, is the marker and random text of Entra's size (1.0–1.2 KB)", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const first = await obtainCode(tenant);
  const second = await obtainCode(tenant);
  // Assert
  for (const { code } of [first, second]) assert.match(code, CODE_PATTERN);
  assert.notEqual(first.code.slice(CODE_PREFIX.length, 64), second.code.slice(CODE_PREFIX.length, 64));
});

void test("a refresh token, as issued by code and refresh grants, is the marker and random text of Entra's size (1.3–1.5 KB)", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  // Act
  const rotated = parseJson<TokenResponse>(await refresh(tenant, tokens.refresh_token));
  // Assert
  assert.match(tokens.refresh_token, REFRESH_TOKEN_PATTERN);
  assert.match(rotated.refresh_token ?? "", REFRESH_TOKEN_PATTERN);
  assert.notEqual(rotated.refresh_token, tokens.refresh_token);
});

void test("codes and refresh tokens, over many issues, vary in length across Entra's ranges", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  assert.ok(tokens.refresh_token);
  // Act
  const lengths = new Set<number>();
  for (let i = 0; i < 12; i += 1) {
    const body = parseJson<TokenResponse>(await refresh(tenant, tokens.refresh_token));
    lengths.add(body.refresh_token?.length ?? 0);
  }
  // Assert
  assert.ok(lengths.size > 1, `lengths: ${[...lengths].join(", ")}`);
  for (const length of lengths) assert.ok(length >= 1300 && length <= 1500, String(length));
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
