/**
 * One policy, told by every header: the same rule set (`assertOnePolicy`) is applied to every kind of
 * response the app serves (pages, redirects, 4xx and 5xx pages, assets, probes, 404s, HEAD and
 * OPTIONS), signed in and out, for an http and an https deployment. Headers that say the same thing
 * twice (framing, https, caching) must never disagree, and none may contradict what the app does.
 *
 * The https deployment is the documented one: TLS ends at a proxy that sends `X-Forwarded-Proto:
 * https` (TRUST_PROXY=true), and the public URL (REDIRECT_URI) is https. Every request here carries
 * that header, as the proxy would add it; the tenant's redirect back to the public URL is followed to
 * the app's own address, as the proxy would forward it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseLoginForm } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";

const PUBLIC_ORIGIN = "https://app.example";
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...values] = part.split(/\s+/);
        return [name.toLowerCase(), values.join(" ")];
      }),
  );
}

interface Policy {
  https: boolean;
  /** The authority's origin: where the sign-out form's redirect goes. */
  authorityOrigin: string;
  /** Only /assets/* files: public, the same for everyone. */
  cacheable: boolean;
  /** Only the front-channel sign-out URL: the authority's sign-out page loads it in an iframe. */
  framable: boolean;
}

function assertOnePolicy(response: TestResponse, policy: Policy): void {
  const h = response.headers;
  const cspText = h["content-security-policy"] ?? "";
  // One CSP header (a second would be joined with a comma and tighten the first unseen).
  assert.ok(cspText !== "" && !cspText.includes(","), `one CSP: ${cspText}`);
  const csp = directives(cspText);

  // Framing: nobody, said both ways; or, on the front-channel sign-out URL, the authority only (which
  // X-Frame-Options cannot say: it is absent there rather than contradicting the CSP).
  if (policy.framable) {
    assert.equal(csp.get("frame-ancestors"), policy.authorityOrigin);
    assert.equal(h["x-frame-options"], undefined);
  } else {
    assert.equal(csp.get("frame-ancestors"), "'none'");
    assert.equal(h["x-frame-options"], "DENY");
  }

  // https: HSTS and upgrade-insecure-requests together, exactly on an https site.
  assert.equal(csp.has("upgrade-insecure-requests"), policy.https, "upgrade-insecure-requests");
  if (policy.https) {
    const hsts = (h["strict-transport-security"] ?? "").split(";").map((part) => part.trim());
    assert.ok(Number(/^max-age=(\d+)$/.exec(hsts[0] ?? "")?.[1]) >= ONE_YEAR_SECONDS, `HSTS ${hsts[0]}`);
    assert.ok(hsts.includes("includeSubDomains"), "HSTS covers subdomains");
    assert.ok(!hsts.includes("preload"), "not preloaded: a deployment's choice, not the app's");
  } else {
    assert.equal(h["strict-transport-security"], undefined, "no HSTS on an http site");
  }

  // Content: only from here, no inline code, no plugins, no <base> rewriting.
  assert.equal(csp.get("default-src"), "'self'");
  assert.equal(csp.get("script-src"), "'self'");
  assert.equal(csp.get("style-src"), "'self'");
  assert.equal(csp.get("object-src"), "'none'");
  assert.equal(csp.get("base-uri"), "'none'");
  assert.doesNotMatch(cspText, /unsafe-|\*/);
  // Forms post here, and sign-out is redirected to the authority (Chromium checks the redirect).
  assert.equal(csp.get("form-action"), `'self' ${policy.authorityOrigin}`);

  // Same-origin throughout: referrers, openers, who may load our responses.
  assert.equal(h["referrer-policy"], "same-origin");
  assert.equal(h["cross-origin-opener-policy"], "same-origin");
  assert.equal(h["cross-origin-resource-policy"], "same-origin");
  assert.equal(h["origin-agent-cluster"], "?1");
  // Legacy switches, all saying "off" or "none", none weakening the above.
  assert.equal(h["x-content-type-options"], "nosniff");
  assert.equal(h["x-xss-protection"], "0", "the legacy filter is off: the CSP does the job");
  assert.equal(h["x-dns-prefetch-control"], "off");
  assert.equal(h["x-permitted-cross-domain-policies"], "none");
  assert.equal(h["x-download-options"], "noopen");
  assert.equal(h["x-powered-by"], undefined);

  // Caching: nothing per-user or of the moment is stored anywhere; only assets are cacheable.
  if (policy.cacheable) assert.match(h["cache-control"] ?? "", /^public, max-age=[1-9]\d*$/);
  else assert.equal(h["cache-control"], "no-store");
}

interface RequestOptions {
  body?: string;
  headers?: Record<string, string>;
  /** What the proxy says (default: https on an https deployment, nothing on an http one); null: nothing. */
  forwardedProto?: string | null;
}

/** One browser, as the app sees it (behind the proxy on an https deployment). */
class Visitor {
  readonly client: TestClient;
  constructor(
    private readonly app: TestApp,
    private readonly https: boolean,
  ) {
    this.client = app.newClient();
  }

  request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    const proto =
      options.forwardedProto === undefined ? (this.https ? "https" : null) : options.forwardedProto;
    return this.client.request(method, `${this.app.baseUrl}${path}`, options.body, {
      ...(proto === null ? {} : { "x-forwarded-proto": proto }),
      ...(options.body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      ...options.headers,
    });
  }

  /** Signs in through the tenant's page; returns the app's answer to the callback. */
  async signIn(userOid: string): Promise<TestResponse> {
    const start = await this.request("GET", "/auth/signin");
    assert.equal(start.status, 302, start.body.slice(0, 300));
    const page = await this.client.get(start.location!);
    const form = parseLoginForm(page, start.location!);
    const back = await this.client.postForm(form.action, { ...form.fields, user: userOid });
    const callback = new URL(back.location ?? "");
    assert.equal(callback.origin, this.https ? PUBLIC_ORIGIN : this.app.baseUrl, "back to the public URL");
    return this.request("GET", `${callback.pathname}${callback.search}`);
  }

  async csrfToken(): Promise<string> {
    const home = await this.request("GET", "/");
    const token = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1];
    assert.ok(token, "a signed-in page carries the sign-out form");
    return token;
  }
}

interface Deployment {
  app: TestApp;
  https: boolean;
  visitor(): Visitor;
  /** Signed in with a photo and no Calendar consent. */
  adele: Visitor;
  /** Signs out in the last row. */
  megan: Visitor;
  signInCallback: TestResponse;
}

type Step = (d: Deployment) => Promise<TestResponse>;
type Case = [
  request: string,
  status: number,
  step: Step,
  options?: { cacheable?: true; httpsOnly?: true; framable?: true },
];

const out =
  (method: string, path: string, options?: RequestOptions): Step =>
  (d) =>
    d.visitor().request(method, path, options);
const asAdele =
  (method: string, path: string, options?: RequestOptions): Step =>
  (d) =>
    d.adele.request(method, path, options);
const whileGraphFails =
  (status: number, step: Step, headers: Record<string, string> = {}): Step =>
  async (d) => {
    d.app.tenant.faults.graph = { status, headers };
    try {
      return await step(d);
    } finally {
      d.app.tenant.faults.graph = null;
    }
  };

const cases: Case[] = [
  // Pages.
  ["GET /, signed out", 200, out("GET", "/")],
  ["GET /, signed in", 200, asAdele("GET", "/")],
  ["HEAD /, signed in", 200, asAdele("HEAD", "/")],
  ["GET /profile, signed in", 200, asAdele("GET", "/profile")],
  ["GET /session, signed in", 200, asAdele("GET", "/session")],
  ["GET /profile/photo, signed in", 200, asAdele("GET", "/profile/photo")],
  ["GET /admin, signed in with the admin role", 200, asAdele("GET", "/admin")],
  ["HEAD /profile/photo, signed in", 200, asAdele("HEAD", "/profile/photo")],
  ["OPTIONS /profile, signed out", 200, out("OPTIONS", "/profile")],
  // Redirects.
  ["GET /profile, signed out (to sign-in)", 303, out("GET", "/profile")],
  ["GET /calendar, signed in without consent (to sign-in)", 303, asAdele("GET", "/calendar")],
  ["GET /auth/signin (to the authority)", 302, out("GET", "/auth/signin")],
  ["GET /auth/switch-account, signed in (to the authority)", 302, asAdele("GET", "/auth/switch-account")],
  ["GET /admin, signed out (to sign-in)", 303, out("GET", "/admin")],
  ["GET /auth/redirect, a completed sign-in (to the page)", 303, async (d) => d.signInCallback],
  ["POST /auth/signout, signed out (home)", 303, out("POST", "/auth/signout", { body: "_csrf=x" })],
  // 4xx pages.
  ["GET /auth/redirect, without state", 400, out("GET", "/auth/redirect")],
  ["GET /auth/redirect, of no sign-in", 400, out("GET", "/auth/redirect?state=x&code=y")],
  ["GET /auth/signin, with a repeated returnTo", 400, out("GET", "/auth/signin?returnTo=/a&returnTo=/b")],
  [
    "POST /auth/signout, signed in without the form's token",
    403,
    asAdele("POST", "/auth/signout", { body: "_csrf=guess" }),
  ],
  [
    "POST /auth/signout, an oversized form",
    413,
    asAdele("POST", "/auth/signout", { body: `_csrf=${"x".repeat(10_000)}` }),
  ],
  [
    "POST /auth/signout/everywhere, signed in without the form's token",
    403,
    asAdele("POST", "/auth/signout/everywhere", { body: "_csrf=guess" }),
  ],
  [
    "POST /auth/sessions/end, signed in without the form's token",
    403,
    asAdele("POST", "/auth/sessions/end", { body: "_csrf=guess&session=x" }),
  ],
  ["GET /admin, signed in without the admin role", 403, async (d) => d.megan.request("GET", "/admin")],
  ["GET /nowhere, signed out", 404, out("GET", "/nowhere")],
  ["HEAD /nowhere, signed out", 404, out("HEAD", "/nowhere")],
  ["GET /nowhere, signed in", 404, asAdele("GET", "/nowhere")],
  ["GET /auth/signout (not a form post)", 404, out("GET", "/auth/signout")],
  // 5xx pages.
  ["GET /profile, when Graph fails", 502, whileGraphFails(500, asAdele("GET", "/profile"))],
  [
    "GET /profile, when Graph is busy",
    503,
    whileGraphFails(429, asAdele("GET", "/profile"), { "Retry-After": "120" }),
  ],
  // Assets.
  ["GET /assets/styles.css", 200, out("GET", "/assets/styles.css"), { cacheable: true }],
  ["HEAD /assets/styles.css", 200, out("HEAD", "/assets/styles.css"), { cacheable: true }],
  [
    "GET /assets/styles.css, revalidated (304)",
    304,
    async (d) => {
      const visitor = d.visitor();
      const first = await visitor.request("GET", "/assets/styles.css");
      return visitor.request("GET", "/assets/styles.css", {
        headers: { "if-none-match": first.headers.etag ?? "" },
      });
    },
    { cacheable: true },
  ],
  ["GET /assets/missing.css", 404, out("GET", "/assets/missing.css")],
  // The folder itself: no directory redirect of the static server with its own CSP and no Cache-Control.
  ["GET /assets, the folder", 404, out("GET", "/assets")],
  // The front-channel sign-out URL: framable by the authority, whatever it answers.
  [
    "GET /auth/frontchannel-logout, of an unknown sid",
    200,
    out("GET", "/auth/frontchannel-logout?sid=00000000-0000-0000-0000-000000000000"),
    { framable: true },
  ],
  [
    "HEAD /auth/frontchannel-logout, of an unknown sid, with a session cookie",
    200,
    asAdele("HEAD", "/auth/frontchannel-logout?sid=00000000-0000-0000-0000-000000000000"),
    { framable: true },
  ],
  [
    "GET /auth/frontchannel-logout, without sid",
    400,
    out("GET", "/auth/frontchannel-logout"),
    { framable: true },
  ],
  [
    "GET /auth/frontchannel-logout, with a repeated sid",
    400,
    out("GET", "/auth/frontchannel-logout?sid=a&sid=b"),
    { framable: true },
  ],
  [
    "POST /auth/frontchannel-logout (not what Entra sends)",
    404,
    out("POST", "/auth/frontchannel-logout?sid=a", { body: "" }),
  ],
  // Probes.
  ["GET /healthz", 200, out("GET", "/healthz")],
  ["HEAD /healthz", 200, out("HEAD", "/healthz")],
  ["GET /readyz", 200, out("GET", "/readyz")],
  ["GET /metrics", 200, out("GET", "/metrics")],
  // What reaches an https deployment as plain http: refused loudly (the proxy redirects to https).
  [
    "GET /profile, arriving as http (refused)",
    500,
    out("GET", "/profile", { forwardedProto: "http" }),
    { httpsOnly: true },
  ],
  [
    "POST /auth/signout, arriving as http (refused)",
    500,
    asAdele("POST", "/auth/signout", { body: "_csrf=x", forwardedProto: "http" }),
    { httpsOnly: true },
  ],
  [
    "GET /, without X-Forwarded-Proto (refused)",
    500,
    out("GET", "/", { forwardedProto: null }),
    { httpsOnly: true },
  ],
  // Last: the session ends.
  [
    "POST /auth/signout, with the form's token (to the authority)",
    303,
    async (d) => d.megan.request("POST", "/auth/signout", { body: `_csrf=${await d.megan.csrfToken()}` }),
  ],
];

for (const https of [false, true]) {
  describe(`one header policy, for an ${https ? "https" : "http"} deployment`, () => {
    let deployment: Deployment;
    before(async () => {
      const app = await startTestApp(
        https
          ? {
              env: {
                REDIRECT_URI: `${PUBLIC_ORIGIN}/auth/redirect`,
                TRUST_PROXY: "true",
                METRICS_ENABLED: "true",
              },
              registration: { redirectUris: [`${PUBLIC_ORIGIN}/auth/redirect`, `${PUBLIC_ORIGIN}/`] },
            }
          : { env: { METRICS_ENABLED: "true" } },
      );
      const [adeleUser, , meganUser] = app.tenant.users;
      // Adele holds the operator page's role; Megan does not.
      app.tenant.updateClient(app.config.auth.clientId, {
        appRoles: [{ value: "Admin", memberOids: [adeleUser!.oid] }],
      });
      const adele = new Visitor(app, https);
      const megan = new Visitor(app, https);
      const signInCallback = await adele.signIn(adeleUser!.oid);
      assert.equal(signInCallback.status, 303, signInCallback.body.slice(0, 300));
      assert.equal((await megan.signIn(meganUser!.oid)).status, 303);
      deployment = { app, https, visitor: () => new Visitor(app, https), adele, megan, signInCallback };
    });
    after(() => deployment.app.close());

    for (const [request, status, step, options = {}] of cases) {
      if (options.httpsOnly && !https) continue;
      it(`${request}, on an ${https ? "https" : "http"} site, answers ${status} with headers that tell one policy`, async () => {
        const response = await step(deployment);

        assert.equal(response.status, status, response.body.slice(0, 300));
        assertOnePolicy(response, {
          https,
          authorityOrigin: new URL(deployment.app.tenant.cloudInstance).origin,
          cacheable: options.cacheable === true,
          framable: options.framable === true,
        });
      });
    }
  });
}
