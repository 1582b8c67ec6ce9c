/**
 * The documented production setup: an https REDIRECT_URI (Secure cookies), the app on plain http
 * behind a TLS-terminating proxy, TRUST_PROXY set. A person signs in through a real TLS proxy; and
 * every way a request can reach the app as plain http is refused loudly (page and error log line),
 * never a sign-in that silently fails because no cookie was set, and never a redirect that could loop.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { TestClient } from "../support/testClient.js";
import { startTlsProxy } from "../support/tlsProxy.js";
import type { TlsProxy } from "../support/tlsProxy.js";

async function startBehindProxy(
  trustProxy: string,
): Promise<{ app: TestApp; proxy: TlsProxy; viaProxy: TestApp }> {
  const proxy = await startTlsProxy();
  const redirectUri = `${proxy.origin}/auth/redirect`;
  const app = await startTestApp({
    env: {
      NODE_ENV: "production",
      REDIRECT_URI: redirectUri,
      TRUST_PROXY: trustProxy,
      EXPRESS_SESSION_SECRET: randomBytes(32).toString("base64url"),
      TOKEN_CACHE_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    },
    registration: { redirectUris: [redirectUri, `${proxy.origin}/`] },
  });
  proxy.forwardTo(app.baseUrl);
  const viaProxy: TestApp = {
    ...app,
    baseUrl: proxy.origin,
    newClient: () => new TestClient([app.tenant.caCertificatePem, proxy.certificatePem]),
  };
  return { app, proxy, viaProxy };
}

describe("an https deployment behind a TLS-terminating proxy", () => {
  let app: TestApp;
  let proxy: TlsProxy;
  let viaProxy: TestApp;
  before(async () => {
    ({ app, proxy, viaProxy } = await startBehindProxy("loopback"));
  });
  after(async () => {
    await app.close();
    await proxy.close();
  });

  it("a person, through the proxy, signs in with a Secure __Host- cookie and sees the profile", async () => {
    const client = viaProxy.newClient();

    const back = await signIn(viaProxy, client, { returnTo: "/profile" });
    const profile = await client.get(`${proxy.origin}/profile`);

    assert.equal(back.location, `${proxy.origin}/profile`);
    assert.match(
      back.headers["set-cookie"] ?? "",
      // A browser-session cookie: no Expires or Max-Age of its own (the server times sessions out).
      /__Host-sid=s%3A[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax(, |$)/,
    );
    assert.equal(profile.status, 200);
    assert.ok(profile.body.includes(app.tenant.users[0]!.displayName));
  });

  // What the app receives from the proxy (or from anyone who reaches it directly).
  const cases: [string, string, string, Record<string, string>, "ok" | "refused"][] = [
    ["https from the proxy", "GET", "/auth/signin", { "x-forwarded-proto": "https" }, "ok"],
    [
      "https from the first of two proxies",
      "GET",
      "/auth/signin",
      { "x-forwarded-proto": "https, http" },
      "ok",
    ],
    ["https with spaces", "GET", "/", { "x-forwarded-proto": " https " }, "ok"],
    ["http from the proxy", "GET", "/profile?tab=a", { "x-forwarded-proto": "http" }, "refused"],
    [
      "http from the proxy, a path like a host",
      "GET",
      "//evil.example/x",
      { "x-forwarded-proto": "http" },
      "refused",
    ],
    ["http from the proxy, a HEAD", "HEAD", "/", { "x-forwarded-proto": "http" }, "refused"],
    ["http, then https", "GET", "/", { "x-forwarded-proto": "http, https" }, "refused"],
    // An inner proxy that overwrites the header with its own scheme: a redirect to https would loop.
    [
      "http from an inner proxy behind a TLS one",
      "GET",
      "/profile",
      { "x-forwarded-proto": "http", "x-forwarded-for": "203.0.113.7, 10.0.0.2" },
      "refused",
    ],
    ["http from the proxy, a form post", "POST", "/auth/signout", { "x-forwarded-proto": "http" }, "refused"],
    ["no X-Forwarded-Proto", "GET", "/", {}, "refused"],
    ["no X-Forwarded-Proto, at sign-in", "GET", "/auth/signin", {}, "refused"],
    ["no X-Forwarded-Proto, at the callback", "GET", "/auth/redirect?state=s&code=c", {}, "refused"],
    [
      "an uppercase HTTPS (Express does not read it as https)",
      "GET",
      "/auth/signin",
      { "x-forwarded-proto": "HTTPS" },
      "refused",
    ],
    ["an empty X-Forwarded-Proto", "GET", "/", { "x-forwarded-proto": "" }, "refused"],
    ["another scheme", "GET", "/", { "x-forwarded-proto": "wss" }, "refused"],
    ["a forged Host with http", "GET", "/", { "x-forwarded-proto": "http", host: "evil.example" }, "refused"],
  ];
  for (const [what, method, path, headers, expected] of cases) {
    it(`${method} ${path}, reaching the app with ${what}, is ${expected}`, async () => {
      const client = app.newClient();
      const linesBefore = app.logLines.length;

      const response = await client.request(method, `${app.baseUrl}${path}`, undefined, headers);

      const log = app.logLines.slice(linesBefore).join("\n");
      switch (expected) {
        case "ok":
          assert.ok(response.status < 400, `HTTP ${response.status}`);
          assert.doesNotMatch(log, /could not be set/);
          break;
        case "refused":
          assert.equal(response.status, 500);
          if (method !== "HEAD") assert.match(response.body, /reference: <code>[0-9a-f-]{36}<\/code>/);
          assert.doesNotMatch(
            response.body,
            /TRUST_PROXY|X-Forwarded-Proto/,
            "operator text stays in the log",
          );
          assert.match(log, /"level":50.*session cookie could not be set.*X-Forwarded-Proto/);
          assert.equal(response.headers["set-cookie"], undefined);
          break;
      }
    });
  }

  for (const path of ["/healthz", "/readyz", "/assets/styles.css"]) {
    it(`GET ${path}, from a probe on plain http with no proxy, still answers 200`, async () => {
      const response = await app.newClient().get(`${app.baseUrl}${path}`);

      assert.equal(response.status, 200);
    });
  }
});

describe("an https deployment whose TRUST_PROXY names another proxy", () => {
  let app: TestApp;
  let proxy: TlsProxy;
  let viaProxy: TestApp;
  before(async () => {
    ({ app, proxy, viaProxy } = await startBehindProxy("10.1.2.3, 192.168.0.0/16"));
  });
  after(async () => {
    await app.close();
    await proxy.close();
  });

  it("a sign-in, through a proxy TRUST_PROXY does not name, is refused loudly instead of failing without a cookie", async () => {
    const client = viaProxy.newClient();
    const linesBefore = app.logLines.length;

    const response = await client.get(`${proxy.origin}/auth/signin`);

    assert.equal(response.status, 500);
    assert.equal(response.headers["set-cookie"], undefined);
    const log = app.logLines.slice(linesBefore).join("\n");
    assert.match(log, /"level":50.*TRUST_PROXY does not trust the peer/);
  });
});
