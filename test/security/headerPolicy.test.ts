/**
 * One policy, told by every header: the same rule set is applied to every kind of response the app
 * serves (pages, redirects, 4xx and 5xx pages, assets, probes, HEAD), for an http and an https
 * deployment. Headers that say the same thing twice (framing, https, caching) must never disagree.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...values] = part.split(/\s+/);
        return [name, values.join(" ")];
      }),
  );
}

function assertOnePolicy(response: TestResponse, https: boolean, cacheable: boolean): void {
  const h = response.headers;
  const csp = directives(h["content-security-policy"] ?? "");
  // Framing: nobody, said both ways.
  assert.equal(csp.get("frame-ancestors"), "'none'");
  assert.equal(h["x-frame-options"], "DENY");
  // https: HSTS and upgrade-insecure-requests together, exactly on an https site.
  assert.equal(h["strict-transport-security"] !== undefined, https, "HSTS");
  assert.equal(csp.has("upgrade-insecure-requests"), https, "upgrade-insecure-requests");
  // Scripts and plugins only from here; no inline code.
  assert.equal(csp.get("script-src"), "'self'");
  assert.equal(csp.get("object-src"), "'none'");
  assert.doesNotMatch(h["content-security-policy"] ?? "", /unsafe-inline|unsafe-eval/);
  // One origin policy: same-origin for referrers, openers and resources.
  assert.equal(h["referrer-policy"], "same-origin");
  assert.equal(h["cross-origin-opener-policy"], "same-origin");
  assert.equal(h["cross-origin-resource-policy"], "same-origin");
  assert.equal(h["x-content-type-options"], "nosniff");
  assert.equal(h["x-xss-protection"], "0", "the legacy filter is off, as the CSP does the job");
  assert.equal(h["x-powered-by"], undefined);
  // Caching: nothing per-user or of the moment is stored anywhere; only assets are cacheable.
  if (cacheable) assert.match(h["cache-control"] ?? "", /^public, max-age=\d+$/);
  else assert.equal(h["cache-control"], "no-store");
}

interface Case {
  what: string;
  method?: string;
  path: string;
  signedIn?: boolean;
  cacheable?: boolean;
  body?: Record<string, string>;
}

const cases: Case[] = [
  { what: "the home page", path: "/" },
  { what: "the home page", path: "/", signedIn: true },
  { what: "the home page, HEAD", method: "HEAD", path: "/" },
  { what: "the profile", path: "/profile", signedIn: true },
  { what: "the photo", path: "/profile/photo", signedIn: true },
  { what: "the calendar (a redirect to consent)", path: "/calendar", signedIn: true },
  { what: "the Session page", path: "/session", signedIn: true },
  { what: "a page that needs sign-in", path: "/profile" },
  { what: "the sign-in start (a redirect)", path: "/auth/signin" },
  { what: "a callback without state (400)", path: "/auth/redirect" },
  { what: "a callback of no sign-in (400)", path: "/auth/redirect?state=x&code=y" },
  { what: "sign-out without a token (403)", method: "POST", path: "/auth/signout", signedIn: true, body: {} },
  { what: "sign-out of a signed-out browser", method: "POST", path: "/auth/signout", body: {} },
  { what: "a GET of sign-out (404)", path: "/auth/signout" },
  { what: "a missing page (404)", path: "/nowhere" },
  { what: "a missing page, HEAD", method: "HEAD", path: "/nowhere" },
  { what: "a missing asset (404)", path: "/assets/missing.css" },
  { what: "an asset", path: "/assets/styles.css", cacheable: true },
  { what: "an asset, HEAD", method: "HEAD", path: "/assets/styles.css", cacheable: true },
  { what: "the liveness probe", path: "/healthz" },
  { what: "the readiness probe", path: "/readyz" },
  { what: "a malformed query (400)", path: "/auth/signin?returnTo=a&returnTo=b" },
];

for (const https of [false, true]) {
  describe(`one header policy, for an ${https ? "https" : "http"} deployment`, () => {
    let app: TestApp;
    let client: TestClient;
    const headers: Record<string, string> = https ? { "x-forwarded-proto": "https" } : {};
    before(async () => {
      app = await startTestApp(
        https
          ? {
              env: {
                REDIRECT_URI: "https://app.example/auth/redirect",
                TRUST_PROXY: "loopback",
                EXPRESS_SESSION_SECRET: randomBytes(32).toString("base64url"),
              },
              registration: { redirectUris: ["https://app.example/auth/redirect"] },
            }
          : {},
      );
      client = app.newClient();
      if (!https) await signIn(app, client);
    });
    after(() => app.close());

    for (const c of cases) {
      // Signing in through the tenant needs the app's public URL to be reachable: http only.
      if (c.signedIn && https) continue;
      it(`${c.method ?? "GET"} ${c.path}, ${c.what}${c.signedIn ? ", signed in" : ""}, tells one policy`, async () => {
        const who = c.signedIn ? client : app.newClient();

        const response = c.body
          ? await who.postForm(`${app.baseUrl}${c.path}`, c.body, headers)
          : await who.request(c.method ?? "GET", `${app.baseUrl}${c.path}`, undefined, headers);

        assert.ok(response.status < 500, `HTTP ${response.status}`);
        assertOnePolicy(response, https, c.cacheable === true);
      });
    }

    // Signed in: http only, as above.
    if (https) return;
    it("GET /profile, when Graph fails (a 5xx page), tells one policy", async () => {
      app.tenant.faults.graph = { status: 500 };
      const response = await client.get(`${app.baseUrl}/profile`);
      app.tenant.faults.graph = null;

      assert.ok(response.status >= 500, `HTTP ${response.status}`);
      assertOnePolicy(response, https, false);
    });
  });
}
