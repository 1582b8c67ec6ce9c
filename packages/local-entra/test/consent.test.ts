import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJwt } from "jose";
import { SECOND_TENANT_ID, TEST_USERS } from "../src/index.js";
import type { LocalTenantClient } from "../src/index.js";
import {
  authorizeUrl,
  CLIENT,
  CODE_PATTERN,
  defaultAuthorizeParams,
  newPkce,
  OTHER_CLIENT,
  parseConsentForm,
  parseJson,
  postForm,
  redeemCode,
  refresh,
  REDIRECT_URI,
  signIn,
  startTestTenant,
  submitConsent,
  tenantRequest,
} from "./helpers.js";
import type { EntraErrorResponse, TokenResponse } from "./helpers.js";
import { acceptConsent, MULTI_APP, redeemAt, signInAt } from "./multiTenantHelpers.js";

const CALENDAR_SCOPE = "openid profile offline_access Calendars.Read";
const ADELE = TEST_USERS[0];
const ALEX = TEST_USERS[1];
assert.ok(ADELE && ALEX);

function redirectParams(location: string | undefined): URLSearchParams {
  assert.ok(location?.startsWith(`${REDIRECT_URI}?`), `a redirect to the app was expected: ${location}`);
  return new URL(location ?? "").searchParams;
}

async function consentPage(
  tenant: Awaited<ReturnType<typeof startTestTenant>>,
  overrides: Record<string, string> = {},
  userOid = TEST_USERS[0]?.oid,
): Promise<Awaited<ReturnType<typeof signIn>> & { pkce: ReturnType<typeof newPkce> }> {
  const pkce = newPkce();
  const result = await signIn(
    tenant,
    { ...defaultAuthorizeParams(pkce), scope: CALENDAR_SCOPE, ...overrides },
    { userOid, consent: "stop" },
  );
  return { ...result, pkce };
}

void test("POST authorize/complete, for a scope nobody consented to, shows the consent page instead of a code", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const { response } = await consentPage(tenant);
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.location, undefined);
  const form = parseConsentForm(response.body);
  assert.ok(form);
  assert.equal(form.action, `${tenant.authority}/oauth2/v2.0/authorize/consent`);
  assert.match(form.transaction, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(form.permissions, [
    { scope: "Calendars.Read", description: "Read your calendars" },
    { scope: "offline_access", description: "Maintain access to data you have given it access to" },
  ]);
  assert.ok(response.body.includes(`<code id="consent-app">${CLIENT.clientId}</code>`));
  assert.ok(response.body.includes('<p id="consent-account">adele.vance@contoso.test — Contoso</p>'));
  assert.ok(response.body.includes('<button type="submit" name="consent" value="accept">Accept</button>'));
  assert.ok(response.body.includes('<button type="submit" name="consent" value="cancel">Cancel</button>'));
  assert.match(
    String(response.headers["content-security-policy"]),
    /form-action 'self' https:\/\/127\.0\.0\.1:3443/,
  );
});

void test("POST authorize/consent, Accept, redirects with a code whose token carries Calendars.Read", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { response, ssoCookie, pkce } = await consentPage(tenant);
  const form = parseConsentForm(response.body);
  assert.ok(form);
  // Act
  const accepted = await submitConsent(tenant, form, "accept", ssoCookie);
  const params = redirectParams(accepted.location);
  const tokens = parseJson<TokenResponse>(
    await redeemCode(tenant, {
      code: params.get("code") ?? "",
      code_verifier: pkce.verifier,
      scope: undefined,
    }),
  );
  // Assert
  assert.equal(accepted.status, 302);
  assert.equal(params.get("state"), "state-123");
  assert.equal(tokens.scope, "openid profile email Calendars.Read");
  assert.equal(decodeJwt(tokens.access_token).scp, "Calendars.Read offline_access openid profile");
});

void test("GET /authorize, after consent was given once, answers a code without the consent page (SSO)", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const first = await signIn(
    tenant,
    { ...defaultAuthorizeParams(newPkce()), scope: CALENDAR_SCOPE },
    { userOid: ADELE.oid },
  );
  assert.ok(first.ssoCookie);
  // Act
  const again = await tenantRequest(
    tenant,
    authorizeUrl(tenant, { ...defaultAuthorizeParams(newPkce()), scope: CALENDAR_SCOPE }),
    { headers: { cookie: first.ssoCookie } },
  );
  // Assert
  assert.equal(again.status, 302);
  assert.match(redirectParams(again.location).get("code") ?? "", CODE_PATTERN);
});

void test("POST authorize/consent, Cancel, redirects access_denied AADSTS65004 with state and records nothing", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { response, ssoCookie } = await consentPage(tenant);
  const form = parseConsentForm(response.body);
  assert.ok(form);
  // Act
  const cancelled = await submitConsent(tenant, form, "cancel", ssoCookie);
  const retry = await tenantRequest(
    tenant,
    authorizeUrl(tenant, { ...defaultAuthorizeParams(newPkce()), scope: CALENDAR_SCOPE }),
    { headers: { cookie: ssoCookie ?? "" } },
  );
  // Assert
  const params = redirectParams(cancelled.location);
  assert.equal(params.get("error"), "access_denied");
  assert.match(
    params.get("error_description") ?? "",
    /^AADSTS65004: User declined to consent to access the app\./,
  );
  assert.equal(params.get("state"), "state-123");
  assert.equal(params.get("code"), null);
  assert.equal(retry.status, 200, "still no consent: the page is shown again");
  assert.ok(parseConsentForm(retry.body));
});

void test("GET /authorize with prompt=none, with an SSO session but no consent, redirects consent_required AADSTS65001", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const first = await signIn(tenant, defaultAuthorizeParams(newPkce()), { userOid: ADELE.oid });
  assert.ok(first.ssoCookie);
  // Act
  const silent = await tenantRequest(
    tenant,
    authorizeUrl(tenant, { ...defaultAuthorizeParams(newPkce()), scope: CALENDAR_SCOPE, prompt: "none" }),
    { headers: { cookie: first.ssoCookie } },
  );
  // Assert
  const params = redirectParams(silent.location);
  assert.equal(params.get("error"), "consent_required");
  assert.match(
    params.get("error_description") ?? "",
    new RegExp(
      `^AADSTS65001: The user or administrator has not consented to use the application with ID '${CLIENT.clientId}'\\.`,
    ),
  );
  assert.equal(params.get("state"), "state-123");
});

void test("POST authorize/complete with prompt=consent, for User.Read only, still shows the consent page", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const { response } = await consentPage(tenant, { scope: "openid profile User.Read", prompt: "consent" });
  // Assert
  assert.deepEqual(parseConsentForm(response.body)?.permissions, [
    { scope: "User.Read", description: "Sign you in and read your profile" },
  ]);
});

void test("POST authorize/complete, for User.Read only (admin-consented by default), answers a code without consent", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const { response } = await consentPage(tenant, { scope: "openid profile offline_access User.Read" });
  // Assert
  assert.equal(response.status, 302);
  assert.match(redirectParams(response.location).get("code") ?? "", CODE_PATTERN);
});

void test("POST authorize/complete, for an app whose admin consented to Calendars.Read, answers a code without consent", async (t) => {
  // Arrange
  const admin: LocalTenantClient = { ...CLIENT, adminConsentedScopes: ["User.Read", "calendars.read"] };
  const tenant = await startTestTenant(t, { clients: [admin, OTHER_CLIENT] });
  // Act
  const { response } = await consentPage(tenant);
  // Assert
  assert.equal(response.status, 302);
  assert.match(redirectParams(response.location).get("code") ?? "", CODE_PATTERN);
});

void test("POST /token refresh_token asking Calendars.Read, before consent AADSTS65001, after Accept in a new sign-in 200", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const pkce = newPkce();
  const first = await signIn(tenant, defaultAuthorizeParams(pkce), { userOid: ADELE.oid });
  const tokens = parseJson<TokenResponse>(
    await redeemCode(tenant, { code: first.params.get("code") ?? "", code_verifier: pkce.verifier }),
  );
  const refreshToken = tokens.refresh_token ?? "";
  // Act
  const before = await refresh(tenant, refreshToken, { scope: "openid offline_access Calendars.Read" });
  await signIn(
    tenant,
    { ...defaultAuthorizeParams(newPkce()), scope: CALENDAR_SCOPE },
    { userOid: ADELE.oid },
  );
  const after = await refresh(tenant, refreshToken, { scope: "openid offline_access Calendars.Read" });
  // Assert
  const error = parseJson<EntraErrorResponse>(before);
  assert.equal(before.status, 400);
  assert.equal(error.error, "invalid_grant");
  assert.equal(error.suberror, "consent_required");
  assert.deepEqual(error.error_codes, [65001]);
  assert.equal(after.status, 200);
  assert.equal(
    decodeJwt(parseJson<TokenResponse>(after).access_token).scp,
    "Calendars.Read offline_access openid User.Read",
  );
});

void test("POST authorize/consent, without the sign-in's ESTSAUTH cookie, shows AADSTS9002313 and burns the transaction", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { response, ssoCookie } = await consentPage(tenant);
  const form = parseConsentForm(response.body);
  assert.ok(form);
  // Act
  const stolen = await postForm(tenant, form.action, { transaction: form.transaction, consent: "accept" });
  const replay = await submitConsent(tenant, form, "accept", ssoCookie);
  // Assert
  assert.equal(stolen.status, 400);
  assert.equal(stolen.location, undefined);
  assert.ok(stolen.body.includes('data-code="AADSTS9002313"'));
  assert.equal(replay.status, 400);
  assert.ok(replay.body.includes('data-code="AADSTS50089"'));
});

void test("consent, given in Contoso, does not carry over to the guest's sign-in in Fabrikam", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [CLIENT, MULTI_APP] });
  const contoso = await signInAt(tenant, "organizations", MULTI_APP, ALEX.oid, { scope: CALENDAR_SCOPE });
  const contosoCode = await acceptConsent(tenant, contoso);
  // Act
  const fabrikam = await signInAt(tenant, SECOND_TENANT_ID, MULTI_APP, ALEX.oid, { scope: CALENDAR_SCOPE });
  const fabrikamCode = await acceptConsent(tenant, fabrikam);
  const tokens = parseJson<TokenResponse>(
    await redeemAt(tenant, SECOND_TENANT_ID, MULTI_APP, {
      grant_type: "authorization_code",
      code: fabrikamCode.get("code") ?? "",
      redirect_uri: MULTI_APP.redirectUris[0],
      code_verifier: fabrikam.pkce.verifier,
    }),
  );
  // Assert
  assert.match(contosoCode.get("code") ?? "", CODE_PATTERN);
  assert.equal(fabrikam.answer.status, 200, "Fabrikam shows its own consent page");
  assert.equal(decodeJwt(tokens.access_token).tid, SECOND_TENANT_ID);
  assert.equal(decodeJwt(tokens.access_token).scp, "Calendars.Read offline_access openid profile");
});
