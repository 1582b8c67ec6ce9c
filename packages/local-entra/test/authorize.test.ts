import assert from "node:assert/strict";
import { test } from "node:test";
import {
  authorizeUrl,
  CLIENT,
  CODE_PATTERN,
  defaultAuthorizeParams,
  newPkce,
  obtainCode,
  parseLoginForm,
  postForm,
  REDIRECT_URI,
  signIn,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

const NOTICE = "Local test tenant — not Microsoft Entra ID";

function redirectParams(location: string | undefined): URLSearchParams {
  assert.ok(location, "a redirect was expected");
  assert.ok(location.startsWith(`${REDIRECT_URI}?`), location);
  return new URL(location).searchParams;
}

void test("GET /authorize, with valid parameters, shows the sign-in form listing every test user", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const page = await tenantRequest(tenant, authorizeUrl(tenant, defaultAuthorizeParams(newPkce())));
  // Assert
  assert.equal(page.status, 200);
  assert.ok(page.body.includes(NOTICE));
  const form = parseLoginForm(page.body);
  assert.equal(form.action, `${tenant.authority}/oauth2/v2.0/authorize/complete`);
  assert.match(form.transaction, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(
    form.users,
    tenant.users.map((u) => ({ oid: u.oid, displayName: u.displayName })),
  );
  assert.equal(form.hasCancel, true);
  assert.match(
    String(page.headers["content-security-policy"]),
    /form-action 'self' https:\/\/127\.0\.0\.1:3443/,
  );
  assert.equal(page.headers["cache-control"], "no-store, no-cache");
  assert.equal(tenant.counters.authorize, 1);
});

void test("GET /authorize, when redirect_uri is not registered, shows AADSTS50011 and never redirects", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), redirect_uri: "https://evil.example/steal" };
  // Act
  const page = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  assert.equal(page.status, 400);
  assert.equal(page.location, undefined);
  assert.ok(page.body.includes("AADSTS50011: The redirect URI &#39;https://evil.example/steal&#39;"));
  assert.ok(page.body.includes(NOTICE));
});

void test("GET /authorize, when the redirect_uri differs only by a trailing slash, shows AADSTS50011", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), redirect_uri: `${REDIRECT_URI}/` };
  // Act
  const page = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  assert.equal(page.status, 400);
  assert.equal(page.location, undefined);
  assert.ok(page.body.includes('data-code="AADSTS50011"'));
});

void test("GET /authorize, when client_id is unknown, shows AADSTS700016 and never redirects", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), client_id: "99999999-9999-4999-8999-999999999999" };
  // Act
  const page = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  assert.equal(page.status, 400);
  assert.equal(page.location, undefined);
  assert.ok(page.body.includes('data-code="AADSTS700016"'));
});

void test("GET /authorize, when a parameter is duplicated, shows AADSTS9000411", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const url = `${authorizeUrl(tenant, defaultAuthorizeParams(newPkce()))}&state=second`;
  // Act
  const page = await tenantRequest(tenant, url);
  // Assert
  assert.equal(page.status, 400);
  assert.equal(page.location, undefined);
  assert.ok(page.body.includes('data-code="AADSTS9000411"'));
});

void test("GET /authorize, without code_challenge, redirects invalid_request AADSTS9002325 with the state", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = {
    ...defaultAuthorizeParams(newPkce()),
    code_challenge: undefined,
    code_challenge_method: undefined,
  };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  assert.equal(response.status, 302);
  const query = redirectParams(response.location);
  assert.equal(query.get("error"), "invalid_request");
  assert.match(
    query.get("error_description") ?? "",
    /^AADSTS9002325: Proof Key for Code Exchange is required/,
  );
  assert.match(
    query.get("error_description") ?? "",
    /\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: .+Z$/,
  );
  assert.equal(query.get("error_uri"), `${tenant.cloudInstance}error?code=9002325`);
  assert.equal(query.get("state"), "state-123");
  assert.equal(query.get("code"), null);
});

void test("GET /authorize, with code_challenge_method S512, redirects invalid_request AADSTS50149", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), code_challenge_method: "S512" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  const query = redirectParams(response.location);
  assert.equal(query.get("error"), "invalid_request");
  assert.match(query.get("error_description") ?? "", /^AADSTS50149:/);
});

void test("GET /authorize, with response_type=token, redirects unsupported_response_type", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), response_type: "token" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  const query = redirectParams(response.location);
  assert.equal(query.get("error"), "unsupported_response_type");
  assert.match(query.get("error_description") ?? "", /^AADSTS700054:/);
});

void test("GET /authorize, with an unknown scope, redirects invalid_scope AADSTS70011", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), scope: "openid profile Directory.ReadWrite.All" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  const query = redirectParams(response.location);
  assert.equal(query.get("error"), "invalid_scope");
  assert.match(query.get("error_description") ?? "", /^AADSTS70011:.*Directory\.ReadWrite\.All/);
});

void test("GET /authorize, with scopes of two resources, redirects invalid_scope AADSTS28000", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = {
    ...defaultAuthorizeParams(newPkce()),
    scope: "openid https://graph.microsoft.com/User.Read https://outlook.office.com/Mail.Read",
  };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  const query = redirectParams(response.location);
  assert.equal(query.get("error"), "invalid_scope");
  assert.match(query.get("error_description") ?? "", /^AADSTS28000:/);
});

void test("POST /authorize/complete, without the openid scope, redirects with a code as Entra does (OAuth 2.0 only)", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), scope: "User.Read offline_access" };
  // Act
  const result = await signIn(tenant, params);
  // Assert
  const query = redirectParams(result.response.location);
  assert.equal(query.get("error"), null);
  assert.match(query.get("code") ?? "", CODE_PATTERN);
});

void test("POST /authorize/complete, choosing a user, redirects with code, state and session_state", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[2];
  assert.ok(user);
  // Act
  const result = await signIn(tenant, defaultAuthorizeParams(newPkce()), { userOid: user.oid });
  // Assert
  assert.equal(result.response.status, 302);
  const query = redirectParams(result.response.location);
  assert.match(query.get("code") ?? "", CODE_PATTERN);
  assert.equal(query.get("state"), "state-123");
  assert.match(query.get("session_state") ?? "", /^[0-9a-f-]{36}$/);
  const cookie = (result.response.headers["set-cookie"] ?? []).find((c) => c.startsWith("ESTSAUTH="));
  assert.ok(cookie);
  assert.match(cookie, /; Path=\/; Secure; HttpOnly; SameSite=None$/);
});

void test("POST /authorize/complete, when no state was sent, redirects without a state", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const { params } = await obtainCode(tenant, { state: undefined });
  // Assert
  assert.equal(params.has("state"), false);
  assert.ok(params.get("code"));
});

void test("POST /authorize/complete, with client_info=1 at authorize, adds client_info to the redirect", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  // Act
  const { params } = await obtainCode(tenant, { client_info: "1" }, user.oid);
  // Assert
  const decoded = JSON.parse(
    Buffer.from(params.get("client_info") ?? "", "base64url").toString("utf8"),
  ) as unknown;
  assert.deepEqual(decoded, { uid: user.oid, utid: tenant.tenantId });
});

void test("POST /authorize/complete, on Cancel, redirects access_denied AADSTS65004", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const result = await signIn(tenant, defaultAuthorizeParams(newPkce()), { cancel: true });
  // Assert
  assert.equal(result.response.status, 302);
  const query = redirectParams(result.response.location);
  assert.equal(query.get("error"), "access_denied");
  assert.match(query.get("error_description") ?? "", /^AADSTS65004: User declined to consent/);
  assert.equal(query.get("state"), "state-123");
  assert.equal(query.get("code"), null);
});

void test("POST /authorize/complete, when the transaction is replayed, shows AADSTS50089", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const page = await tenantRequest(tenant, authorizeUrl(tenant, defaultAuthorizeParams(newPkce())));
  const form = parseLoginForm(page.body);
  const user = form.users[0]?.oid ?? "";
  const first = await postForm(tenant, form.action, { transaction: form.transaction, user });
  // Act
  const second = await postForm(tenant, form.action, { transaction: form.transaction, user });
  // Assert
  assert.equal(first.status, 302);
  assert.equal(second.status, 400);
  assert.equal(second.location, undefined);
  assert.ok(second.body.includes('data-code="AADSTS50089"'));
});

void test("POST /authorize/complete, with a forged transaction id, shows AADSTS50089", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await postForm(tenant, `${tenant.authority}/oauth2/v2.0/authorize/complete`, {
    transaction: "forged",
    user: tenant.users[0]?.oid ?? "",
  });
  // Assert
  assert.equal(response.status, 400);
  assert.equal(response.location, undefined);
  assert.ok(response.body.includes('data-code="AADSTS50089"'));
});

void test("GET /authorize, with prompt=none and no SSO session, redirects login_required AADSTS50058", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), prompt: "none" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params));
  // Assert
  const query = redirectParams(response.location);
  assert.equal(query.get("error"), "login_required");
  assert.match(query.get("error_description") ?? "", /^AADSTS50058:/);
});

void test("GET /authorize, with prompt=none and an SSO session, redirects with a code for that user", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { ssoCookie } = await obtainCode(tenant, {}, tenant.users[1]?.oid);
  assert.ok(ssoCookie);
  const params = { ...defaultAuthorizeParams(newPkce()), prompt: "none" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(response.status, 302);
  const query = redirectParams(response.location);
  assert.ok(query.get("code"));
  assert.equal(query.get("state"), "state-123");
});

void test("GET /authorize, with prompt=none and a login_hint for another user, redirects login_required", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { ssoCookie } = await obtainCode(tenant, {}, tenant.users[1]?.oid);
  assert.ok(ssoCookie);
  const params = {
    ...defaultAuthorizeParams(newPkce()),
    prompt: "none",
    login_hint: tenant.users[0]?.userPrincipalName,
  };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(redirectParams(response.location).get("error"), "login_required");
});

void test("GET /authorize, with prompt=login and an SSO session, shows the sign-in form again", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const { ssoCookie } = await obtainCode(tenant);
  assert.ok(ssoCookie);
  const params = { ...defaultAuthorizeParams(newPkce()), prompt: "login" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params), {
    headers: { cookie: ssoCookie },
  });
  // Assert
  assert.equal(response.status, 200);
  assert.equal(parseLoginForm(response.body).users.length, tenant.users.length);
});

void test("GET /authorize, with response_mode=form_post, answers a form posting code and state to the redirect URI", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), response_mode: "form_post" };
  // Act
  const result = await signIn(tenant, params);
  // Assert
  assert.equal(result.response.status, 200);
  const body = result.response.body;
  assert.ok(body.includes(`<form method="post" action="${CLIENT.redirectUris[0]}" id="response">`));
  const posted = /<input type="hidden" name="code" value="([^"]*)">/.exec(body)?.[1] ?? "";
  assert.match(posted, CODE_PATTERN);
  assert.ok(body.includes('<input type="hidden" name="state" value="state-123">'));
  assert.ok(body.includes(NOTICE));
  assert.match(
    String(result.response.headers["content-security-policy"]),
    /form-action 'self' https:\/\/127\.0\.0\.1:3443/,
  );
});

void test("GET /authorize, with response_mode=fragment, redirects with the code in the fragment", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const params = { ...defaultAuthorizeParams(newPkce()), response_mode: "fragment" };
  // Act
  const result = await signIn(tenant, params);
  // Assert
  assert.equal(result.response.status, 302);
  const location = new URL(result.response.location ?? "");
  assert.equal(location.search, "");
  const fragment = new URLSearchParams(location.hash.slice(1));
  assert.ok(fragment.get("code"));
  assert.equal(fragment.get("state"), "state-123");
});
