import assert from "node:assert/strict";
import { test } from "node:test";
import type { LocalTenant } from "../src/index.js";
import { loginHintFor } from "../src/loginHint.js";
import type { HttpResult } from "./helpers.js";
import {
  authorizeUrl,
  CLIENT,
  decodeEntities,
  defaultAuthorizeParams,
  loginHintOf,
  newPkce,
  obtainCode,
  obtainTokens,
  OTHER_CLIENT,
  postForm,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

function logoutUrl(tenant: LocalTenant, params: Record<string, string>): string {
  const url = new URL(`${tenant.authority}/oauth2/v2.0/logout`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** A browser signed in (SSO cookie) as the tenant's first user, and that account's login_hint. */
async function signedInBrowser(tenant: LocalTenant): Promise<{ cookie: string; hint: string }> {
  const { ssoCookie } = await obtainCode(tenant);
  assert.ok(ssoCookie);
  const account = tenant.users[0];
  assert.ok(account);
  return { cookie: ssoCookie, hint: loginHintOf(account) };
}

function logoutFrom(tenant: LocalTenant, cookie: string | undefined, params: Record<string, string>) {
  return tenantRequest(
    tenant,
    logoutUrl(tenant, params),
    cookie === undefined ? {} : { headers: { cookie } },
  );
}

/** Whether the browser's SSO session still answers prompt=none with a code. */
async function stillSignedIn(tenant: LocalTenant, cookie: string): Promise<boolean> {
  const params = { ...defaultAuthorizeParams(newPkce()), prompt: "none" };
  const answer = await tenantRequest(tenant, authorizeUrl(tenant, params), { headers: { cookie } });
  return new URL(answer.location ?? "https://missing.invalid/").searchParams.has("code");
}

interface PickerForm {
  action: string;
  fields: Record<string, string>;
  /** The buttons: each names an account by its login_hint. */
  choices: { logoutHint: string; label: string }[];
}

/** Parses the documented picker markup (see src/pages.ts); undefined when the page has none. */
function parsePicker(response: HttpResult): PickerForm | undefined {
  const action = /<form method="post" action="([^"]+)" id="logout-picker">/.exec(response.body)?.[1];
  if (action === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const m of response.body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[decodeEntities(m[1] ?? "")] = decodeEntities(m[2] ?? "");
  }
  const choices = [
    ...response.body.matchAll(/<button type="submit" name="logout_hint" value="([^"]*)">([^<]*)<\/button>/g),
  ].map((m) => ({ logoutHint: decodeEntities(m[1] ?? ""), label: decodeEntities(m[2] ?? "") }));
  return { action: decodeEntities(action), fields, choices };
}

function clearsSsoCookie(response: HttpResult): boolean {
  return (response.headers["set-cookie"] ?? []).some(
    (c) => c.startsWith("ESTSAUTH=;") && c.includes("Max-Age=0"),
  );
}

void test("GET /logout, with the account's logout_hint and a redirect URI of the client, ends the session and redirects there with the state", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const browser = await signedInBrowser(tenant);
  // Act
  const response = await logoutFrom(tenant, browser.cookie, {
    post_logout_redirect_uri: POST_LOGOUT_URI,
    client_id: CLIENT.clientId,
    logout_hint: browser.hint,
    state: "bye",
  });
  // Assert
  assert.equal(response.status, 302);
  assert.equal(response.location, `${POST_LOGOUT_URI}?state=bye`);
  assert.ok(clearsSsoCookie(response));
  assert.equal(await stillSignedIn(tenant, browser.cookie), false);
  assert.equal(tenant.counters.logout, 1);
});

void test("GET /logout, for each post_logout_redirect_uri that is not one of the client's redirect URIs, ends the session but does not redirect", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const cases: string[] = [
    "https://evil.example/",
    OTHER_CLIENT.redirectUris[1] ?? "",
    `${POST_LOGOUT_URI}x`,
    POST_LOGOUT_URI.slice(0, -1),
    POST_LOGOUT_URI.toUpperCase(),
    `${POST_LOGOUT_URI}?next=1`,
    `${POST_LOGOUT_URI}#top`,
    "https://127.0.0.1:3444/",
    "http://127.0.0.1:3443/",
    "https://localhost:3443/",
    `${REDIRECT_URI}/`,
    "not a uri",
  ];
  for (const target of cases) {
    const browser = await signedInBrowser(tenant);
    // Act
    const response = await logoutFrom(tenant, browser.cookie, {
      post_logout_redirect_uri: target,
      client_id: CLIENT.clientId,
      logout_hint: browser.hint,
    });
    // Assert
    assert.equal(response.status, 200, target);
    assert.equal(response.location, undefined, target);
    assert.ok(response.body.includes("You have signed out"), target);
    assert.ok(response.body.includes("Local test tenant — not Microsoft Entra ID"));
    assert.equal(await stillSignedIn(tenant, browser.cookie), false, target);
  }
});

void test("GET /logout, with an id_token_hint instead of client_id, redirects to that client's redirect URI", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const browser = await signedInBrowser(tenant);
  const tokens = await obtainTokens(tenant);
  // Act
  const response = await logoutFrom(tenant, browser.cookie, {
    post_logout_redirect_uri: POST_LOGOUT_URI,
    id_token_hint: tokens.id_token,
    logout_hint: browser.hint,
  });
  // Assert
  assert.equal(response.status, 302);
  assert.equal(response.location, POST_LOGOUT_URI);
});

void test("GET /logout, from a browser without an SSO session, shows the signed-out page and never redirects", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  const account = tenant.users[0];
  assert.ok(account);
  const ended = await signedInBrowser(tenant);
  await logoutFrom(tenant, ended.cookie, { logout_hint: ended.hint });
  const target = { post_logout_redirect_uri: POST_LOGOUT_URI, state: "bye" };
  const cases: [string, string | undefined, Record<string, string>][] = [
    ["no cookie, client_id", undefined, { ...target, client_id: CLIENT.clientId }],
    [
      "no cookie, client_id and logout_hint",
      undefined,
      { ...target, client_id: CLIENT.clientId, logout_hint: ended.hint },
    ],
    ["no cookie, id_token_hint", undefined, { ...target, id_token_hint: tokens.id_token }],
    ["no cookie, no client named", undefined, target],
    [
      "an ended session's cookie",
      ended.cookie,
      { ...target, client_id: CLIENT.clientId, logout_hint: ended.hint },
    ],
    [
      "an unknown cookie",
      "ESTSAUTH=forged",
      { ...target, client_id: CLIENT.clientId, logout_hint: ended.hint },
    ],
  ];
  for (const [label, cookie, params] of cases) {
    // Act
    const response = await logoutFrom(tenant, cookie, params);
    // Assert
    assert.equal(response.status, 200, label);
    assert.equal(response.location, undefined, label);
    assert.ok(response.body.includes("You have signed out of your account"), label);
    assert.equal(parsePicker(response), undefined, label);
    assert.ok(!response.body.includes(POST_LOGOUT_URI), label);
    assert.ok(clearsSsoCookie(response), label);
  }
});

void test("GET /logout, for a signed-in browser, ends the SSO session so prompt=none needs login", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const browser = await signedInBrowser(tenant);
  await logoutFrom(tenant, browser.cookie, { logout_hint: browser.hint });
  const params = { ...defaultAuthorizeParams(newPkce()), prompt: "none" };
  // Act
  const response = await tenantRequest(tenant, authorizeUrl(tenant, params), {
    headers: { cookie: browser.cookie },
  });
  // Assert
  assert.equal(response.status, 302);
  assert.equal(new URL(response.location ?? "").searchParams.get("error"), "login_required");
});

void test("GET /logout, without logout_hint, shows the account picker and ends nothing", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const browser = await signedInBrowser(tenant);
  const account = tenant.users[0];
  assert.ok(account);
  // Act
  const response = await logoutFrom(tenant, browser.cookie, {
    post_logout_redirect_uri: POST_LOGOUT_URI,
    client_id: CLIENT.clientId,
    state: "bye",
  });
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.location, undefined);
  assert.match(response.body, /Pick an account/);
  const picker = parsePicker(response);
  assert.ok(picker);
  assert.equal(picker.action, `${tenant.authority}/oauth2/v2.0/logout`);
  assert.deepEqual(picker.choices, [{ logoutHint: browser.hint, label: account.displayName }]);
  assert.ok(response.body.includes(account.userPrincipalName));
  assert.deepEqual(picker.fields, {
    client_id: CLIENT.clientId,
    post_logout_redirect_uri: POST_LOGOUT_URI,
    state: "bye",
  });
  assert.match(String(response.headers["cache-control"]), /no-store/);
  const csp = String(response.headers["content-security-policy"]);
  assert.match(csp, /script-src 'nonce-[^']+'/);
  assert.match(
    csp,
    /form-action 'self' https:\/\/127\.0\.0\.1:3443(;|$)/,
    "the post may redirect to the app",
  );
  assert.ok(!clearsSsoCookie(response));
  assert.equal(await stillSignedIn(tenant, browser.cookie), true);
});

void test("GET /logout, for each logout_hint that does not name the signed-in account, shows the account picker", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const [adele, alex] = tenant.users;
  assert.ok(adele && alex);
  const fabrikamUser = tenant.tenants[1]?.members[0];
  assert.ok(fabrikamUser);
  const own = loginHintOf(adele);
  const json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const cases: [string, string][] = [
    ["another account of the tenant", loginHintOf(alex)],
    ["an account of the other tenant", loginHintOf(fabrikamUser)],
    [
      "the right oid, another tenant",
      loginHintFor({ oid: adele.oid, tid: fabrikamUser.tenantId, upn: adele.userPrincipalName }),
    ],
    [
      "the right tenant, another oid",
      loginHintFor({ oid: alex.oid, tid: adele.tenantId, upn: adele.userPrincipalName }),
    ],
    ["the UPN itself", adele.userPrincipalName],
    ["the oid itself", adele.oid],
    ["no upn", json({ oid: adele.oid, tid: adele.tenantId })],
    ["a number for the oid", json({ oid: 1, tid: adele.tenantId, upn: adele.userPrincipalName })],
    ["a JSON array", json([adele.oid, adele.tenantId, adele.userPrincipalName])],
    ["JSON null", json(null)],
    ["not JSON", Buffer.from("oid=1").toString("base64url")],
    ["padded base64", `${own}==`],
    ["standard base64 characters", `${own.slice(0, -1)}+`],
    ["the hint with a space", `${own} `],
    ["far too long", own.repeat(40)],
  ];
  for (const [label, hint] of cases) {
    const browser = await signedInBrowser(tenant);
    // Act
    const response = await logoutFrom(tenant, browser.cookie, {
      post_logout_redirect_uri: POST_LOGOUT_URI,
      client_id: CLIENT.clientId,
      logout_hint: hint,
    });
    // Assert
    assert.equal(response.status, 200, label);
    assert.deepEqual(parsePicker(response)?.choices, [{ logoutHint: own, label: adele.displayName }], label);
    assert.ok(
      !("logout_hint" in (parsePicker(response)?.fields ?? {})),
      `${label}: the wrong hint is not carried`,
    );
    assert.equal(await stillSignedIn(tenant, browser.cookie), true, label);
  }
});

void test("POST /logout, the account picker's choice, ends the session and redirects to the post-logout URI with the state", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const browser = await signedInBrowser(tenant);
  const page = await logoutFrom(tenant, browser.cookie, {
    post_logout_redirect_uri: POST_LOGOUT_URI,
    client_id: CLIENT.clientId,
    state: "bye",
  });
  const picker = parsePicker(page);
  assert.ok(picker);
  // Act
  const response = await postForm(
    tenant,
    picker.action,
    { ...picker.fields, logout_hint: picker.choices[0]?.logoutHint ?? "" },
    { cookie: browser.cookie },
  );
  // Assert
  assert.equal(response.status, 302);
  assert.equal(response.location, `${POST_LOGOUT_URI}?state=bye`);
  assert.ok(clearsSsoCookie(response));
  assert.equal(await stillSignedIn(tenant, browser.cookie), false);
});

void test("the account picker, for parameters with quotes, angle brackets and ampersands, escapes them and carries them unchanged", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const browser = await signedInBrowser(tenant);
  const state = `"><script>alert('x')</script>&amp;é`;
  const sent = {
    post_logout_redirect_uri: POST_LOGOUT_URI,
    client_id: CLIENT.clientId,
    state,
    "client-request-id": `id-"<&>'`,
  };
  // Act
  const page = await logoutFrom(tenant, browser.cookie, sent);
  const picker = parsePicker(page);
  assert.ok(picker);
  const response = await postForm(
    tenant,
    picker.action,
    { ...picker.fields, logout_hint: picker.choices[0]?.logoutHint ?? "" },
    { cookie: browser.cookie },
  );
  // Assert
  assert.ok(!page.body.includes("<script>alert"));
  assert.ok(page.body.includes("&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;é"));
  assert.deepEqual(picker.fields, sent);
  assert.equal(response.status, 302);
  assert.equal(new URL(response.location ?? "").searchParams.get("state"), state);
});

void test("the account picker carries only the sign-out's own parameters, and a tampered target is checked again", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const browser = await signedInBrowser(tenant);
  const tokens = await obtainTokens(tenant);
  // Act
  const page = await logoutFrom(tenant, browser.cookie, {
    post_logout_redirect_uri: POST_LOGOUT_URI,
    id_token_hint: tokens.id_token,
    prompt: "login",
    redirect_uri: "https://evil.example/",
    extra: "x",
  });
  const picker = parsePicker(page);
  assert.ok(picker);
  const tampered = await postForm(
    tenant,
    picker.action,
    {
      ...picker.fields,
      post_logout_redirect_uri: "https://evil.example/",
      logout_hint: picker.choices[0]?.logoutHint ?? "",
    },
    { cookie: browser.cookie },
  );
  // Assert
  assert.deepEqual(Object.keys(picker.fields).sort(), ["id_token_hint", "post_logout_redirect_uri"]);
  assert.equal(tampered.status, 200);
  assert.equal(tampered.location, undefined);
  assert.ok(!tampered.body.includes("evil.example"));
});

void test("registerClient, with a postLogoutRedirectUris list, refuses it and says the URI belongs in redirectUris", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const stale = {
    clientId: "8e0a2c4e-6b1d-4f3a-9c5e-7a9b1d3f5e64",
    clientSecret: "stale~secret",
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
  };
  // Act
  const register = (): void => tenant.registerClient(stale);
  // Assert
  assert.throws(
    register,
    /postLogoutRedirectUris: a v2 registration has no separate post-logout list; add the URI to redirectUris/,
  );
});
