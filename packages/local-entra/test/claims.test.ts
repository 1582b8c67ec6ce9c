import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import { CAE_ANSWER_CLAIM } from "../src/index.js";
import type { EntraErrorResponse, TokenResponse } from "./helpers.js";
import {
  authorizeUrl,
  defaultAuthorizeParams,
  newPkce,
  obtainCode,
  obtainTokens,
  obtainTokensWith,
  parseJson,
  redeemCode,
  refresh,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

const CP1_CLAIMS = JSON.stringify({ access_token: { xms_cc: { values: ["CP1"] } } });
/** What msal-node 7.2.3 sends on every request without clientCapabilities or claims. */
const MSAL_DEFAULT_CLAIMS = JSON.stringify({
  id_token: {
    signin_state: { essential: false },
    login_hint: { essential: false },
    tenant_region_sub_scope: { essential: false },
  },
});

void test("GET /authorize, with a claims parameter that is not JSON, redirects invalid_request AADSTS9002313", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const url = authorizeUrl(tenant, { ...defaultAuthorizeParams(newPkce()), claims: "{not json" });
  // Act
  const response = await tenantRequest(tenant, url);
  // Assert
  assert.equal(response.status, 302);
  const params = new URL(response.location ?? "").searchParams;
  assert.equal(params.get("error"), "invalid_request");
  assert.match(params.get("error_description") ?? "", /^AADSTS9002313: .*'claims'/);
  assert.equal(params.get("state"), "state-123");
});

void test("POST /token, with a claims parameter that is a JSON array, answers invalid_request AADSTS9002313", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { code, pkce } = await obtainCode(tenant);
  // Act
  const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier, claims: "[1,2]" });
  // Assert
  assert.equal(response.status, 400);
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "invalid_request");
  assert.deepEqual(body.error_codes, [9002313]);
  assert.equal(tenant.counters.tokenErrors, 1);
});

void test("a sign-in, declaring CP1 in the claims at authorize, gets access tokens with xms_cc CP1", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const tokens = await obtainTokensWith(tenant, { authorize: { claims: CP1_CLAIMS } });
  // Assert
  assert.deepEqual(decodeJwt(tokens.access_token).xms_cc, ["CP1"]);
  assert.equal(decodeJwt(tokens.id_token).xms_cc, undefined, "only the access token");
});

void test("a refresh, of a sign-in that declared CP1, keeps xms_cc CP1 without claims", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokensWith(tenant, { token: { claims: CP1_CLAIMS } });
  assert.ok(tokens.refresh_token);
  // Act
  const refreshed = parseJson<TokenResponse>(await refresh(tenant, tokens.refresh_token));
  // Assert
  assert.deepEqual(decodeJwt(tokens.access_token).xms_cc, ["CP1"]);
  assert.deepEqual(decodeJwt(refreshed.access_token).xms_cc, ["CP1"]);
});

void test("a sign-in, with msal-node's default id_token claims only, gets no xms_cc and no challenge answer", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const tokens = await obtainTokensWith(tenant, {
    authorize: { claims: MSAL_DEFAULT_CLAIMS },
    token: { claims: MSAL_DEFAULT_CLAIMS },
  });
  // Assert
  const claims = decodeJwt(tokens.access_token);
  assert.equal(claims.xms_cc, undefined);
  assert.equal(claims[CAE_ANSWER_CLAIM], undefined);
});

void test("a sign-in, without claims, gets an access token without xms_cc", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const tokens = await obtainTokens(tenant);
  // Assert
  assert.equal(decodeJwt(tokens.access_token).xms_cc, undefined);
});

void test("POST /token, for codes from one SSO session and from another, gives ID tokens the session's sid, kept across a refresh", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const first = await obtainCode(tenant, {}, tenant.users[1]?.oid);
  assert.ok(first.ssoCookie);
  const samePkce = newPkce();
  const again = await tenantRequest(
    tenant,
    authorizeUrl(tenant, { ...defaultAuthorizeParams(samePkce), prompt: "none" }),
    { headers: { cookie: first.ssoCookie } },
  );
  const sameSessionCode = new URL(again.location ?? "").searchParams.get("code");
  assert.ok(sameSessionCode);
  const other = await obtainCode(tenant, {}, tenant.users[1]?.oid);
  // Act
  const sidOf = async (code: string, verifier: string) => {
    const tokens = parseJson<TokenResponse>(await redeemCode(tenant, { code, code_verifier: verifier }));
    return { sid: decodeJwt(tokens.id_token).sid, refreshToken: tokens.refresh_token };
  };
  const firstTokens = await sidOf(first.code, first.pkce.verifier);
  const sameSessionTokens = await sidOf(sameSessionCode, samePkce.verifier);
  const otherTokens = await sidOf(other.code, other.pkce.verifier);
  const refreshed = parseJson<TokenResponse>(await refresh(tenant, firstTokens.refreshToken!));
  // Assert
  assert.match(String(firstTokens.sid), /^[0-9a-f-]{36}$/);
  assert.equal(sameSessionTokens.sid, firstTokens.sid, "the same SSO session, the same sid");
  assert.notEqual(otherTokens.sid, firstTokens.sid, "another SSO session, another sid");
  assert.equal(decodeJwt(refreshed.id_token).sid, firstTokens.sid, "a refresh keeps the sid");
});
