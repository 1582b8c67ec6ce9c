/**
 * URL settings that are almost right: REDIRECT_URI with another path than the app's callback (every
 * sign-in would then 404), a query, a fragment, a backslash, blanks or a password in it (printed in
 * the start-up log); POST_LOGOUT_REDIRECT_URI with a password or fragment; CLOUD_INSTANCE and
 * GRAPH_API_ENDPOINT with a path (the tenant, a Graph version), a query or a password. Each is
 * refused naming the setting and what is wrong, never the password; what is accepted is stored as
 * `new URL(value).href`. The local tenant's addresses (what tests and local mode use) pass.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/loadConfig.js";
import { REDIRECT_PATH } from "../../src/config/settings.js";
import { PLACEHOLDER_TENANT } from "../../src/localMode.js";
import { VALID, problemsOf } from "./settingsFixtures.js";
import type { Env } from "./settingsFixtures.js";

const PASSWORD = "Hunter2-pw-9f3K";

const ABSOLUTE = "must be an absolute URL";
const HTTP = "must be an http or https URL";
const HTTPS = "must use https";
const BLANKS = "must not contain whitespace or control characters";
const BACKSLASH = 'must not contain a backslash (URL parsers read "\\" as "/")';
const USERINFO = "must not contain a user name or password (…@host): the URL is written to the log";
const QUERY = "must not have a query (?…)";
const FRAGMENT = "must not have a fragment (#…)";
const CALLBACK_PATH =
  "must have the path /auth/redirect, where the app completes sign-in (no other path is answered), e.g. https://app.example/auth/redirect";
const CLOUD_PATH =
  "must be the sign-in host only, e.g. https://login.microsoftonline.com/ (no path: the tenant goes in TENANT_ID)";
const GRAPH_PATH =
  "must be the Graph host only, e.g. https://graph.microsoft.com/ (no path: the app adds v1.0/… itself)";

/** An https site needs a trusted proxy; true here so that only the URL is in question. */
const BASE: Env = { ...VALID, TRUST_PROXY: "true" };

// [REDIRECT_URI, the URL the app uses]
const redirectAccepted: [string, string][] = [
  ["https://app.example/auth/redirect", "https://app.example/auth/redirect"],
  ["http://localhost:3000/auth/redirect", "http://localhost:3000/auth/redirect"],
  ["http://127.0.0.1:54321/auth/redirect", "http://127.0.0.1:54321/auth/redirect"],
  ["http://[::1]:3000/auth/redirect", "http://[::1]:3000/auth/redirect"],
  ["https://app.example:8443/auth/redirect", "https://app.example:8443/auth/redirect"],
  ["https://sub.app.example/auth/redirect", "https://sub.app.example/auth/redirect"],
  ["https://APP.Example/auth/redirect", "https://app.example/auth/redirect"],
  ["HTTPS://app.example/auth/redirect", "https://app.example/auth/redirect"],
  ["https://app.example:443/auth/redirect", "https://app.example/auth/redirect"],
  ["http://app.example:80/auth/redirect", "http://app.example/auth/redirect"],
  ["https://app.example./auth/redirect", "https://app.example./auth/redirect"],
  ["https://exämple.test/auth/redirect", "https://xn--exmple-cua.test/auth/redirect"],
];

// [REDIRECT_URI, every problem]
const redirectRefused: [string, string[]][] = [
  // The path: only the app's callback is ever answered.
  ["https://app.example/auth/callback", [CALLBACK_PATH]],
  ["https://app.example/", [CALLBACK_PATH]],
  ["https://app.example", [CALLBACK_PATH]],
  ["https://app.example/redirect", [CALLBACK_PATH]],
  ["https://app.example/auth", [CALLBACK_PATH]],
  ["https://app.example/auth/", [CALLBACK_PATH]],
  ["https://app.example/auth/redirect/", [CALLBACK_PATH]],
  ["https://app.example/Auth/Redirect", [CALLBACK_PATH]],
  ["https://app.example/AUTH/REDIRECT", [CALLBACK_PATH]],
  ["https://app.example/auth/redirect.html", [CALLBACK_PATH]],
  ["https://app.example/auth/redirects", [CALLBACK_PATH]],
  ["https://app.example/app/auth/redirect", [CALLBACK_PATH]],
  ["https://app.example//auth/redirect", [CALLBACK_PATH]],
  ["https://app.example/auth//redirect", [CALLBACK_PATH]],
  ["https://app.example/auth/./redirect", [CALLBACK_PATH]],
  ["https://app.example/x/../auth/redirect", [CALLBACK_PATH]],
  ["https://app.example/auth%2Fredirect", [CALLBACK_PATH]],
  ["https://app.example/auth/%72edirect", [CALLBACK_PATH]],
  ["https://app.example/signin-oidc", [CALLBACK_PATH]],
  ["https://app.example/.auth/login/aad/callback", [CALLBACK_PATH]],
  // Query and fragment, even empty ones.
  ["https://app.example/auth/redirect?", [QUERY]],
  ["https://app.example/auth/redirect?next=/", [QUERY]],
  ["https://app.example/auth/redirect?code=x&state=y", [QUERY]],
  ["https://app.example/auth/redirect#", [FRAGMENT]],
  ["https://app.example/auth/redirect#top", [FRAGMENT]],
  ["https://app.example/auth/redirect?a=1#b", [QUERY, FRAGMENT]],
  ["https://app.example/auth/callback?a=1", [QUERY, CALLBACK_PATH]],
  ["https://app.example/#/auth/redirect", [FRAGMENT, CALLBACK_PATH]],
  ["https://app.example/?/auth/redirect", [QUERY, CALLBACK_PATH]],
  // A user name or password: it would be printed at start-up.
  [`https://user:${PASSWORD}@app.example/auth/redirect`, [USERINFO]],
  [`https://:${PASSWORD}@app.example/auth/redirect`, [USERINFO]],
  ["https://user@app.example/auth/redirect", [USERINFO]],
  ["https://@app.example/auth/redirect", [USERINFO]],
  [`http://admin:${PASSWORD}@localhost:3000/auth/redirect`, [USERINFO]],
  [`https://user:${PASSWORD}@app.example/auth/callback#x`, [USERINFO, FRAGMENT, CALLBACK_PATH]],
  // What a URL parser silently turns into another URL.
  ["https://app.example\\auth\\redirect", [BACKSLASH, CALLBACK_PATH]],
  ["https://app.example/auth\\redirect", [BACKSLASH, CALLBACK_PATH]],
  ["https://app.example/auth/redirect\\", [BACKSLASH, CALLBACK_PATH]],
  ["https://app.example/auth/redirect ", [BLANKS]],
  [" https://app.example/auth/redirect", [BLANKS]],
  ["https://app.example/auth/redirect\n", [BLANKS]],
  ["https://app.example/auth/re direct", [BLANKS, CALLBACK_PATH]],
  ["https://app.exa\tmple/auth/redirect", [BLANKS]],
  ["https://app.example/auth/redi\nrect", [BLANKS, CALLBACK_PATH]],
  ["https://app.example/auth/redirect\u0000", [BLANKS, CALLBACK_PATH]],
  ["https://app.example/auth/redirect\u00a0", [BLANKS]],
  // Not an absolute http(s) URL.
  ["ftp://app.example/auth/redirect", [HTTP]],
  ["ws://app.example/auth/redirect", [HTTP]],
  ["http:app.example/auth/redirect", [ABSOLUTE]],
  ["http:/app.example/auth/redirect", [ABSOLUTE]],
  ["http:///app.example/auth/redirect", [ABSOLUTE]],
  ["http:\\\\app.example\\auth\\redirect", [ABSOLUTE]],
  ["//app.example/auth/redirect", [ABSOLUTE]],
  ["/auth/redirect", [ABSOLUTE]],
  ["app.example/auth/redirect", [ABSOLUTE]],
  ["https://", [ABSOLUTE]],
  ["https://app.example:99999/auth/redirect", [ABSOLUTE]],
  ["https://app example/auth/redirect", [ABSOLUTE]],
  ["file:///auth/redirect", [ABSOLUTE]],
];

// [POST_LOGOUT_REDIRECT_URI, the URL used]: any path, and a query, are the operator's choice.
const postLogoutAccepted: [string, string][] = [
  ["https://app.example/", "https://app.example/"],
  ["https://app.example", "https://app.example/"],
  ["https://app.example/signed-out", "https://app.example/signed-out"],
  ["https://app.example/signed-out?by=user", "https://app.example/signed-out?by=user"],
  ["https://APP.example:443/bye", "https://app.example/bye"],
  ["https://www.example/", "https://www.example/"],
];

const postLogoutRefused: [string, string[]][] = [
  [`https://user:${PASSWORD}@app.example/`, [USERINFO]],
  ["https://user@app.example/", [USERINFO]],
  ["https://app.example/#signed-out", [FRAGMENT]],
  ["https://app.example/#", [FRAGMENT]],
  ["https://app.example/?x=1#y", [FRAGMENT]],
  ["https://app.example\\bye", [BACKSLASH]],
  ["https://app.example/ ", [BLANKS]],
  ["https://app.example/bye bye", [BLANKS]],
  ["ftp://app.example/", [HTTP]],
  ["https:app.example/", [ABSOLUTE]],
  ["/signed-out", [ABSOLUTE]],
];

type OriginSetting = "CLOUD_INSTANCE" | "GRAPH_API_ENDPOINT";
const read: Record<OriginSetting, (env: Env) => string> = {
  CLOUD_INSTANCE: (env) => loadConfig(env).auth.cloudInstance,
  GRAPH_API_ENDPOINT: (env) => loadConfig(env).graph.endpoint,
};
/** The other one set to a host of no Microsoft cloud, so that no cloud pairing is in question. */
const neutral: Record<OriginSetting, Env> = {
  CLOUD_INSTANCE: { GRAPH_API_ENDPOINT: "https://graph.contoso.test/" },
  GRAPH_API_ENDPOINT: { CLOUD_INSTANCE: "https://login.contoso.test/" },
};

// [setting, value, the origin used]
const originsAccepted: [OriginSetting, string, string][] = [
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/", "https://login.microsoftonline.com/"],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com", "https://login.microsoftonline.com/"],
  ["CLOUD_INSTANCE", "https://LOGIN.microsoftonline.com/", "https://login.microsoftonline.com/"],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com:443/", "https://login.microsoftonline.com/"],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.us/", "https://login.microsoftonline.us/"],
  ["CLOUD_INSTANCE", "https://login.chinacloudapi.cn/", "https://login.chinacloudapi.cn/"],
  ["CLOUD_INSTANCE", "https://login.contoso.test:8443/", "https://login.contoso.test:8443/"],
  // The local tenant's shapes: https://<loopback host>:<port>/ (local-entra's index.ts, localMode.ts).
  ["CLOUD_INSTANCE", PLACEHOLDER_TENANT.cloudInstance, "https://127.0.0.1/"],
  ["CLOUD_INSTANCE", "https://127.0.0.1:54321/", "https://127.0.0.1:54321/"],
  ["CLOUD_INSTANCE", "https://[::1]:54321/", "https://[::1]:54321/"],
  ["CLOUD_INSTANCE", "https://localhost:54321/", "https://localhost:54321/"],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com/", "https://graph.microsoft.com/"],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com", "https://graph.microsoft.com/"],
  ["GRAPH_API_ENDPOINT", "https://Graph.Microsoft.com:443", "https://graph.microsoft.com/"],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.us/", "https://graph.microsoft.us/"],
  ["GRAPH_API_ENDPOINT", PLACEHOLDER_TENANT.graphEndpoint, "https://127.0.0.1/"],
  ["GRAPH_API_ENDPOINT", "https://127.0.0.1:54322/", "https://127.0.0.1:54322/"],
  ["GRAPH_API_ENDPOINT", "https://[::1]:54322/", "https://[::1]:54322/"],
];

// [setting, value, every problem]
const originsRefused: [OriginSetting, string, string[]][] = [
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/common/", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/common", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/organizations/", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/contoso.onmicrosoft.com", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/common/v2.0", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/common/oauth2/v2.0/authorize", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com//", [CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/?tenant=common", [QUERY]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com?", [QUERY]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/#", [FRAGMENT]],
  ["CLOUD_INSTANCE", `https://user:${PASSWORD}@login.microsoftonline.com/`, [USERINFO]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com\\", [BACKSLASH, CLOUD_PATH]],
  ["CLOUD_INSTANCE", "https://login.microsoftonline.com/ ", [BLANKS]],
  ["CLOUD_INSTANCE", "http://login.microsoftonline.com/", [HTTPS]],
  ["CLOUD_INSTANCE", "http://login.microsoftonline.com/common/", [HTTPS, CLOUD_PATH]],
  ["CLOUD_INSTANCE", "login.microsoftonline.com", [ABSOLUTE]],
  ["CLOUD_INSTANCE", "https:login.microsoftonline.com/", [ABSOLUTE]],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com/v1.0/", [GRAPH_PATH]],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com/v1.0", [GRAPH_PATH]],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com/beta/", [GRAPH_PATH]],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com/v1.0/me", [GRAPH_PATH]],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com/?$select=id", [QUERY]],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com/#", [FRAGMENT]],
  ["GRAPH_API_ENDPOINT", `https://app:${PASSWORD}@graph.microsoft.com/`, [USERINFO]],
  ["GRAPH_API_ENDPOINT", "https://graph.microsoft.com\\v1.0", [BACKSLASH, GRAPH_PATH]],
  ["GRAPH_API_ENDPOINT", "\thttps://graph.microsoft.com/", [BLANKS]],
  ["GRAPH_API_ENDPOINT", "http://graph.microsoft.com/", [HTTPS]],
  ["GRAPH_API_ENDPOINT", "graph.microsoft.com", [ABSOLUTE]],
];

function assertNoPassword(problems: readonly string[]): void {
  assert.ok(!problems.join("\n").includes(PASSWORD), "the password is not echoed");
}

describe("REDIRECT_URI", () => {
  for (const [value, expected] of redirectAccepted) {
    it(`loadConfig, with REDIRECT_URI=${JSON.stringify(value)}, uses ${expected}`, () => {
      const config = loadConfig({ ...BASE, REDIRECT_URI: value });

      assert.equal(config.auth.redirectUri, expected);
      assert.equal(new URL(config.auth.redirectUri).pathname, REDIRECT_PATH);
    });
  }

  for (const [value, expected] of redirectRefused) {
    it(`loadConfig, with REDIRECT_URI=${JSON.stringify(value)}, names REDIRECT_URI and what is wrong`, () => {
      const problems = problemsOf({ ...BASE, REDIRECT_URI: value });

      assert.deepEqual(
        problems,
        expected.map((problem) => `REDIRECT_URI: ${problem}`),
      );
      assertNoPassword(problems);
    });
  }

  it("loadConfig, without REDIRECT_URI, uses the callback path on localhost at PORT", () => {
    assert.equal(
      loadConfig({ ...BASE, PORT: "8080" }).auth.redirectUri,
      `http://localhost:8080${REDIRECT_PATH}`,
    );
  });
});

describe("POST_LOGOUT_REDIRECT_URI", () => {
  for (const [value, expected] of postLogoutAccepted) {
    it(`loadConfig, with POST_LOGOUT_REDIRECT_URI=${JSON.stringify(value)}, uses ${expected}`, () => {
      const config = loadConfig({
        ...BASE,
        REDIRECT_URI: "https://app.example/auth/redirect",
        POST_LOGOUT_REDIRECT_URI: value,
      });

      assert.equal(config.auth.postLogoutRedirectUri, expected);
    });
  }

  for (const [value, expected] of postLogoutRefused) {
    it(`loadConfig, with POST_LOGOUT_REDIRECT_URI=${JSON.stringify(value)}, names it and what is wrong`, () => {
      const problems = problemsOf({
        ...BASE,
        REDIRECT_URI: "https://app.example/auth/redirect",
        POST_LOGOUT_REDIRECT_URI: value,
      });

      assert.deepEqual(
        problems,
        expected.map((problem) => `POST_LOGOUT_REDIRECT_URI: ${problem}`),
      );
      assertNoPassword(problems);
    });
  }
});

describe("CLOUD_INSTANCE and GRAPH_API_ENDPOINT", () => {
  for (const [name, value, expected] of originsAccepted) {
    it(`loadConfig, with ${name}=${JSON.stringify(value)}, uses ${expected}`, () => {
      assert.equal(read[name]({ ...BASE, ...neutral[name], [name]: value }), expected);
    });
  }

  for (const [name, value, expected] of originsRefused) {
    it(`loadConfig, with ${name}=${JSON.stringify(value)}, names ${name} and what is wrong`, () => {
      const problems = problemsOf({ ...BASE, ...neutral[name], [name]: value });

      assert.deepEqual(
        problems,
        expected.map((problem) => `${name}: ${problem}`),
      );
      assertNoPassword(problems);
    });
  }

  it("loadConfig, with the default CLOUD_INSTANCE, builds the authority from it and TENANT_ID", () => {
    assert.equal(
      loadConfig(BASE).auth.authority,
      "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555",
    );
  });
});
