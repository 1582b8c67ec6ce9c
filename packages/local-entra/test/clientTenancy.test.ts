import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_TENANT_ID, SECOND_TENANT_ID } from "../src/index.js";
import { CLIENT, newPkce, parseJson, startTestTenant, tenantRequest } from "./helpers.js";
import type { EntraErrorResponse } from "./helpers.js";
import { appAuthorizeParams, authorizeAt, FABRIKAM_APP, MULTI_APP, redeemAt } from "./multiTenantHelpers.js";
import type { SecretApp } from "./multiTenantHelpers.js";

/** Contoso's single-tenant app (AzureADMyOrg by default). */
const SINGLE_APP: SecretApp = { ...CLIENT, redirectUris: [CLIENT.redirectUris[0] ?? ""] };

const SIGN_IN = "the sign-in page";
const GRANT_CHECKED = "invalid_grant AADSTS9002313";

/** Entra's AADSTS50194 text for an app (its display name: the id again, here). */
function notMultiTenantText(clientId: string): string {
  return (
    `AADSTS50194: Application '${clientId}'(${clientId}) is not configured as a multi-tenant application. ` +
    "Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. " +
    "Use a tenant-specific endpoint or configure the application to be multi-tenant."
  );
}

/**
 * [app, path segment, authorize answer, token answer]: an answer is SIGN_IN (the page), GRANT_CHECKED
 * (the app passed; the made-up refresh token did not), or "error AADSTSnnnn".
 */
const CASES: [string, SecretApp, string, string, string][] = [
  ["single", SINGLE_APP, DEFAULT_TENANT_ID, SIGN_IN, GRANT_CHECKED],
  ["single", SINGLE_APP, DEFAULT_TENANT_ID.toUpperCase(), SIGN_IN, GRANT_CHECKED],
  [
    "single",
    SINGLE_APP,
    SECOND_TENANT_ID,
    "unauthorized_client AADSTS700016",
    "unauthorized_client AADSTS700016",
  ],
  ["single", FABRIKAM_APP, SECOND_TENANT_ID, SIGN_IN, GRANT_CHECKED],
  [
    "single",
    FABRIKAM_APP,
    DEFAULT_TENANT_ID,
    "unauthorized_client AADSTS700016",
    "unauthorized_client AADSTS700016",
  ],
  ["single", SINGLE_APP, "contoso.test", "invalid_request AADSTS90002", "invalid_request AADSTS90002"],
  ["single", SINGLE_APP, "organizations", "invalid_request AADSTS50194", "invalid_request AADSTS50194"],
  ["single", SINGLE_APP, "Organizations", "invalid_request AADSTS50194", "invalid_request AADSTS50194"],
  ["single", SINGLE_APP, "common", "invalid_request AADSTS50194", "invalid_request AADSTS50194"],
  ["single", SINGLE_APP, "COMMON", "invalid_request AADSTS50194", "invalid_request AADSTS50194"],
  ["single", FABRIKAM_APP, "common", "invalid_request AADSTS50194", "invalid_request AADSTS50194"],
  ["single", FABRIKAM_APP, "organizations", "invalid_request AADSTS50194", "invalid_request AADSTS50194"],
  ["single", SINGLE_APP, "consumers", "invalid_request AADSTS90002", "invalid_request AADSTS90002"],
  ["multi", MULTI_APP, DEFAULT_TENANT_ID, SIGN_IN, GRANT_CHECKED],
  ["multi", MULTI_APP, SECOND_TENANT_ID, SIGN_IN, GRANT_CHECKED],
  ["multi", MULTI_APP, "fabrikam.test", "invalid_request AADSTS90002", "invalid_request AADSTS90002"],
  ["multi", MULTI_APP, "organizations", SIGN_IN, GRANT_CHECKED],
  ["multi", MULTI_APP, "common", SIGN_IN, GRANT_CHECKED],
  ["multi", MULTI_APP, "consumers", "invalid_request AADSTS90002", "invalid_request AADSTS90002"],
];

function start(t: Parameters<typeof startTestTenant>[0]): ReturnType<typeof startTestTenant> {
  return startTestTenant(t, { clients: [SINGLE_APP, MULTI_APP, FABRIKAM_APP] });
}

void test("GET /authorize, for each app kind and path segment in the table, shows the sign-in page or Entra's error page", async (t) => {
  // Arrange
  const tenant = await start(t);
  for (const [kind, app, segment, expected] of CASES) {
    const label = `${kind} ${app.clientId} at ${segment}`;
    const url = authorizeAt(tenant, segment, appAuthorizeParams(app, newPkce(), "openid profile User.Read"));
    // Act
    const page = await tenantRequest(tenant, url);
    // Assert
    assert.equal(page.location, undefined, `${label}: never redirected`);
    if (expected === SIGN_IN) {
      assert.equal(page.status, 200, label);
      assert.match(
        page.body,
        /<form method="post" action="[^"]+\/oauth2\/v2\.0\/authorize\/complete"/,
        label,
      );
      continue;
    }
    const [error, code] = expected.split(" ");
    assert.equal(page.status, 400, label);
    assert.ok(
      page.body.includes(`data-error="${error}" data-code="${code}"`),
      `${label}: ${page.body.slice(0, 800)}`,
    );
  }
});

void test("POST /token, for each app kind and path segment in the table, checks the app before the grant, in Entra's JSON shape", async (t) => {
  // Arrange
  const tenant = await start(t);
  for (const [kind, app, segment, , expected] of CASES) {
    const label = `${kind} ${app.clientId} at ${segment}`;
    // Act
    const response = await redeemAt(tenant, segment, app, {
      grant_type: "refresh_token",
      refresh_token: "LTRT.unknown",
    });
    // Assert
    const body = parseJson<EntraErrorResponse>(response);
    const [error, code] = expected.split(" ");
    assert.equal(response.status, 400, label);
    assert.equal(body.error, error, label);
    assert.deepEqual(body.error_codes, [Number(code?.slice("AADSTS".length))], label);
    assert.ok(body.error_description.startsWith(`${code}: `), label);
    assert.equal(response.headers["cache-control"], "no-store, no-cache", label);
  }
});

void test("AADSTS50194, at the authorize and token endpoints, carries Entra's text naming the app", async (t) => {
  // Arrange
  const tenant = await start(t);
  const url = authorizeAt(tenant, "common", appAuthorizeParams(SINGLE_APP, newPkce(), "openid User.Read"));
  // Act
  const page = await tenantRequest(tenant, url);
  const token = await redeemAt(tenant, "organizations", SINGLE_APP, {
    grant_type: "authorization_code",
    code: "LTCODE.unknown",
    redirect_uri: SINGLE_APP.redirectUris[0],
    code_verifier: newPkce().verifier,
  });
  // Assert
  const escaped = notMultiTenantText(SINGLE_APP.clientId).replaceAll("'", "&#39;");
  assert.ok(page.body.includes(escaped), page.body.slice(0, 1200));
  const body = parseJson<EntraErrorResponse>(token);
  assert.equal(token.status, 400);
  assert.equal(body.error, "invalid_request");
  assert.equal(body.error_description.split("\r\n")[0], notMultiTenantText(SINGLE_APP.clientId));
  assert.equal(body.error_uri, `${tenant.cloudInstance}error?code=50194`);
  assert.equal(tenant.counters.tokenErrors, 1);
});
