import assert from "node:assert/strict";
import { test } from "node:test";
import { redirectUriMatches } from "../src/redirectUris.js";
import type { SecretClient } from "./helpers.js";
import {
  authorizeUrl,
  defaultAuthorizeParams,
  loginHintOf,
  newPkce,
  obtainCode,
  parseJson,
  redeemCode,
  signIn,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";
import type { EntraErrorResponse } from "./helpers.js";

/** A native-style app with loopback redirect URIs (and one https and one [::1] URI, matched exactly). */
const LOOPBACK_APP: SecretClient = {
  clientId: "4d6f8a0c-2e4b-4d6f-9a1c-3e5a7c9e1b42",
  clientSecret: "loopback~secret.value_5",
  redirectUris: [
    "http://127.0.0.1/cb",
    "http://localhost:5000/cb?flow=native",
    "https://127.0.0.1:3443/auth/redirect",
    "http://[::1]:5000/cb",
  ],
};

void test("redirectUriMatches, for each registered and requested URI in the table, matches exactly or, for http loopback, on any port", () => {
  const cases: [string, string, boolean][] = [
    // http loopback: the port is ignored, and only the port.
    ["http://127.0.0.1/cb", "http://127.0.0.1/cb", true],
    ["http://127.0.0.1/cb", "http://127.0.0.1:1/cb", true],
    ["http://127.0.0.1/cb", "http://127.0.0.1:61234/cb", true],
    ["http://127.0.0.1/cb", "http://127.0.0.1:65535/cb", true],
    ["http://127.0.0.1:5000/cb", "http://127.0.0.1:8080/cb", true],
    ["http://127.0.0.1:5000/cb", "http://127.0.0.1/cb", true],
    ["http://127.0.0.1:5000/cb", "http://127.0.0.1:80/cb", true],
    ["http://localhost/MyApp", "http://localhost:1234/MyApp", true],
    ["http://localhost:5000/cb?flow=native", "http://localhost:6000/cb?flow=native", true],
    ["http://localhost:5000", "http://localhost:6000", true],
    ["http://localhost:5000/", "http://localhost:6000/", true],
    ["http://localhost:5000?x=1", "http://localhost:6000?x=1", true],
    ["http://127.0.0.1/cb", "http://127.0.0.1:0/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:65536/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:123456/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:80a/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:8080/CB", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:8080/cb/", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:8080/cb?x=1", false],
    ["http://127.0.0.1/cb?x=1", "http://127.0.0.1:8080/cb?x=2", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:8080/cb#f", false],
    ["http://127.0.0.1/cb", "http://localhost:8080/cb", false],
    ["http://localhost/cb", "http://127.0.0.1:8080/cb", false],
    ["http://127.0.0.1/cb", "http://user@127.0.0.1:8080/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1:8080@evil.example/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.1.evil.example:8080/cb", false],
    ["http://127.0.0.1/cb", "http://127.0.0.2:8080/cb", false],
    ["http://localhost/cb", "http://localhost.evil.example:8080/cb", false],
    ["http://localhost/cb", "http://LOCALHOST:8080/cb", false],
    ["http://localhost/cb", "HTTP://localhost:8080/cb", false],
    ["http://127.0.0.1/cb", "https://127.0.0.1:8080/cb", false],
    // https loopback and [::1]: exact, port included.
    ["https://127.0.0.1:3443/auth/redirect", "https://127.0.0.1:3443/auth/redirect", true],
    ["https://127.0.0.1:3443/auth/redirect", "https://127.0.0.1:3444/auth/redirect", false],
    ["https://localhost/cb", "https://localhost:443/cb", false],
    ["https://localhost/cb", "https://localhost:8443/cb", false],
    ["http://[::1]:5000/cb", "http://[::1]:5000/cb", true],
    ["http://[::1]:5000/cb", "http://[::1]:5001/cb", false],
    ["http://[::1]/cb", "http://[::1]:5000/cb", false],
    // Everything else: exact.
    ["https://app.example/cb", "https://app.example/cb", true],
    ["https://app.example/cb", "https://app.example:443/cb", false],
    ["https://app.example/cb", "https://APP.example/cb", false],
    ["https://app.example/cb", "https://app.example/cb/", false],
    ["https://app.example/cb", "https://app.example/cb?x=1", false],
    ["https://app.example/cb", "https://app.example/c", false],
    ["https://app.example:8443/cb", "https://app.example:9443/cb", false],
    ["http://app.example/cb", "http://app.example:8080/cb", false],
  ];
  for (const [registered, requested, expected] of cases) {
    // Act
    const matched = redirectUriMatches(registered, requested);
    // Assert
    assert.equal(matched, expected, `${registered} vs ${requested}`);
  }
});

void test("GET /authorize, for each redirect_uri in the table, shows the sign-in page or AADSTS50011 for the loopback app", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [LOOPBACK_APP] });
  const cases: [string, boolean][] = [
    ["http://127.0.0.1/cb", true],
    ["http://127.0.0.1:61234/cb", true],
    ["http://127.0.0.1:8080/cb", true],
    ["http://localhost:5000/cb?flow=native", true],
    ["http://localhost:49152/cb?flow=native", true],
    ["http://localhost:49152/cb", false],
    ["http://localhost:49152/cb?flow=web", false],
    ["http://localhost:61234/cb", false],
    ["http://127.0.0.1:61234/cb?flow=native", false],
    ["http://127.0.0.1:61234/other", false],
    ["https://127.0.0.1:61234/cb", false],
    ["https://127.0.0.1:3443/auth/redirect", true],
    ["https://127.0.0.1:3444/auth/redirect", false],
    ["http://[::1]:5000/cb", true],
    ["http://[::1]:5001/cb", false],
    ["http://127.0.0.1:99999/cb", false],
  ];
  for (const [redirectUri, accepted] of cases) {
    const params = {
      ...defaultAuthorizeParams(newPkce()),
      client_id: LOOPBACK_APP.clientId,
      redirect_uri: redirectUri,
    };
    // Act
    const page = await tenantRequest(tenant, authorizeUrl(tenant, params));
    // Assert
    assert.equal(page.location, undefined, redirectUri);
    if (accepted) {
      assert.equal(page.status, 200, redirectUri);
      assert.match(page.body, /authorize\/complete/, redirectUri);
      assert.match(
        String(page.headers["content-security-policy"]),
        new RegExp(`form-action 'self' ${new URL(redirectUri).origin.replace(/[.[\]]/g, "\\$&")}`),
      );
    } else {
      assert.equal(page.status, 400, redirectUri);
      assert.ok(page.body.includes('data-code="AADSTS50011"'), redirectUri);
    }
  }
});

void test("sign-in, with an http loopback redirect_uri on an unregistered port, delivers the code to that very URI", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [LOOPBACK_APP] });
  const redirectUri = "http://127.0.0.1:61234/cb";
  // Act
  const { response, params } = await signIn(tenant, {
    ...defaultAuthorizeParams(newPkce()),
    client_id: LOOPBACK_APP.clientId,
    redirect_uri: redirectUri,
  });
  // Assert
  assert.equal(response.status, 302);
  assert.ok(response.location?.startsWith(`${redirectUri}?`), response.location);
  assert.ok(params.get("code"));
  assert.equal(params.get("state"), "state-123");
});

void test("POST /token, for each redirect_uri in the table against a code issued to http://127.0.0.1:61234/cb, redeems or answers AADSTS50011", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [LOOPBACK_APP] });
  const issuedTo = "http://127.0.0.1:61234/cb";
  const cases: [string, boolean][] = [
    [issuedTo, true],
    ["http://127.0.0.1:8080/cb", true],
    ["http://127.0.0.1/cb", true],
    ["http://localhost:61234/cb", false],
    ["http://127.0.0.1:61234/cb/", false],
    ["http://127.0.0.1:61234/cb?x=1", false],
    ["https://127.0.0.1:61234/cb", false],
    ["http://127.0.0.1:0/cb", false],
  ];
  for (const [redirectUri, redeems] of cases) {
    const { code, pkce } = await obtainCode(tenant, {
      client_id: LOOPBACK_APP.clientId,
      redirect_uri: issuedTo,
    });
    // Act
    const response = await redeemCode(tenant, {
      client_id: LOOPBACK_APP.clientId,
      client_secret: LOOPBACK_APP.clientSecret,
      redirect_uri: redirectUri,
      code,
      code_verifier: pkce.verifier,
    });
    // Assert
    if (redeems) {
      assert.equal(response.status, 200, `${redirectUri}: ${response.body}`);
    } else {
      const body = parseJson<EntraErrorResponse>(response);
      assert.equal(response.status, 400, redirectUri);
      assert.equal(body.error, "invalid_grant", redirectUri);
      assert.deepEqual(body.error_codes, [50011], redirectUri);
    }
  }
});

void test("GET /logout, for each post_logout_redirect_uri against the loopback app's redirect URIs, redirects on any http loopback port only", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [LOOPBACK_APP] });
  const account = tenant.users[0];
  assert.ok(account);
  const cases: [string, boolean][] = [
    ["http://127.0.0.1/cb", true],
    ["http://127.0.0.1:4000/cb", true],
    ["http://localhost:4000/cb?flow=native", true],
    ["http://localhost:4000/cb", false],
    ["http://127.0.0.1:4000/cb/", false],
    ["https://127.0.0.1:4000/cb", false],
    ["https://127.0.0.1:3444/auth/redirect", false],
    ["http://[::1]:5001/cb", false],
  ];
  for (const [target, redirects] of cases) {
    const { ssoCookie } = await obtainCode(tenant, {
      client_id: LOOPBACK_APP.clientId,
      redirect_uri: "http://127.0.0.1/cb",
    });
    assert.ok(ssoCookie);
    const url = new URL(`${tenant.authority}/oauth2/v2.0/logout`);
    url.searchParams.set("post_logout_redirect_uri", target);
    url.searchParams.set("client_id", LOOPBACK_APP.clientId);
    url.searchParams.set("logout_hint", loginHintOf(account));
    // Act
    const response = await tenantRequest(tenant, url.href, { headers: { cookie: ssoCookie } });
    // Assert
    assert.equal(response.status, redirects ? 302 : 200, target);
    assert.equal(response.location, redirects ? target : undefined, target);
  }
});
