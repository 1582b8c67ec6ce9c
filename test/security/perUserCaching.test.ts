/**
 * Nothing per-user may be kept by a cache: one browser can be shared by two people, and a proxy by
 * everyone. Every route and outcome the app serves, signed out and signed in as several users (with a
 * photo, without one, with and without the Calendar consent), must answer `Cache-Control: no-store`
 * and nothing else; only /assets/* (the same bytes for everyone, no cookie) may be cacheable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";

/** The one Cache-Control a per-user response may carry: no-store, with nothing that contradicts it. */
function assertNotStorable(response: TestResponse): void {
  assert.equal(response.headers["cache-control"], "no-store");
  // Older caches read Expires: it may not promise a lifetime that no-store denies.
  assert.equal(response.headers.expires, undefined, "Expires");
}

interface Users {
  /** Adele Vance: has a photo; signed in with User.Read only. */
  adele: TestClient;
  /** Alex Wilber: no photo; has also consented to Calendars.Read. */
  alex: TestClient;
  /** Megan Bowen: signs out in the last rows. */
  megan: TestClient;
  /** Responses of sign-ins completed while setting up, by outcome. */
  callbacks: Record<"completed" | "replayed" | "consentAccepted" | "consentDeclined", TestResponse>;
}

type Step = (app: TestApp, users: Users) => Promise<TestResponse>;
type Case = [request: string, status: number, step: Step, contentType?: RegExp];

function send(client: TestClient, app: TestApp, method: string, path: string, body?: string) {
  const headers: Record<string, string> =
    body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" };
  return client.request(method, `${app.baseUrl}${path}`, body, headers);
}
/** A browser with no session: a new client each time. */
const visitor =
  (method: string, path: string, body?: string): Step =>
  (app) =>
    send(app.newClient(), app, method, path, body);
const as =
  (who: "adele" | "alex" | "megan", method: string, path: string, body?: string): Step =>
  (app, users) =>
    send(users[who], app, method, path, body);
/** Runs `step` while Graph answers every call with `status` (and `headers`), then heals Graph. */
const whileGraphFails =
  (status: number, step: Step, headers: Record<string, string> = {}): Step =>
  async (app, users) => {
    app.tenant.faults.graph = { status, headers };
    try {
      return await step(app, users);
    } finally {
      app.tenant.faults.graph = null;
    }
  };
/** Megan's sign-out, with the token of the form every signed-in page carries. */
const signOut: Step = async (app, users) => {
  const home = await users.megan.get(`${app.baseUrl}/`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1];
  assert.ok(csrf, "a signed-in page carries the sign-out form");
  return send(users.megan, app, "POST", "/auth/signout", `_csrf=${encodeURIComponent(csrf)}`);
};

const cases: Case[] = [
  // Signed out.
  ["GET /, when signed out", 200, visitor("GET", "/"), /^text\/html/],
  ["HEAD /, when signed out", 200, visitor("HEAD", "/")],
  ["GET /profile, when signed out (a redirect to sign-in)", 303, visitor("GET", "/profile")],
  ["GET /profile/photo, when signed out (a redirect to sign-in)", 303, visitor("GET", "/profile/photo")],
  ["HEAD /profile/photo, when signed out", 303, visitor("HEAD", "/profile/photo")],
  ["GET /calendar, when signed out (a redirect to sign-in)", 303, visitor("GET", "/calendar")],
  ["GET /session, when signed out (a redirect to sign-in)", 303, visitor("GET", "/session")],
  ["GET /auth/signin, when signed out (a redirect to the authority)", 302, visitor("GET", "/auth/signin")],
  [
    "GET /auth/signin?returnTo=/profile, when signed out",
    302,
    visitor("GET", "/auth/signin?returnTo=%2Fprofile"),
  ],
  [
    "GET /auth/signin, when returnTo is repeated",
    400,
    visitor("GET", "/auth/signin?returnTo=/a&returnTo=/b"),
  ],
  [
    "GET /auth/signin, when a scope no page uses is asked for",
    400,
    visitor("GET", "/auth/signin?scopes=Mail.Read"),
  ],
  ["GET /auth/redirect, when there is no state", 400, visitor("GET", "/auth/redirect")],
  [
    "GET /auth/redirect, when the state names no sign-in",
    400,
    visitor("GET", "/auth/redirect?state=x&code=y"),
  ],
  [
    "GET /auth/redirect, when the authority answers an error",
    400,
    visitor("GET", "/auth/redirect?state=x&error=access_denied&error_description=no"),
  ],
  ["GET /auth/redirect, when a sign-in completes", 303, async (_app, users) => users.callbacks.completed],
  ["GET /auth/redirect, when its code is replayed", 400, async (_app, users) => users.callbacks.replayed],
  ["POST /auth/signout, when signed out", 303, visitor("POST", "/auth/signout", "_csrf=x")],
  ["GET /auth/signout, when it is not a form post (404)", 404, visitor("GET", "/auth/signout")],
  ["GET /nowhere, when signed out (404)", 404, visitor("GET", "/nowhere"), /^text\/html/],
  ["HEAD /nowhere, when signed out (404)", 404, visitor("HEAD", "/nowhere")],
  ["POST /, when signed out (404)", 404, visitor("POST", "/", "a=b")],
  ["GET /assets/missing.css, when the file does not exist (404)", 404, visitor("GET", "/assets/missing.css")],
  ["GET /healthz, when a probe asks", 200, visitor("GET", "/healthz")],
  ["GET /readyz, when a probe asks", 200, visitor("GET", "/readyz")],

  // Signed in, with a photo and no Calendar consent.
  ["GET /, when signed in", 200, as("adele", "GET", "/"), /^text\/html/],
  ["GET /profile, when signed in", 200, as("adele", "GET", "/profile"), /^text\/html/],
  ["GET /profile/photo, when the user has a photo", 200, as("adele", "GET", "/profile/photo"), /^image\/png/],
  ["HEAD /profile/photo, when the user has a photo", 200, as("adele", "HEAD", "/profile/photo")],
  [
    "GET /profile/photo, when Graph fails (the initials instead)",
    200,
    whileGraphFails(500, as("adele", "GET", "/profile/photo")),
    /^image\/svg\+xml/,
  ],
  ["GET /session, when signed in", 200, as("adele", "GET", "/session"), /^text\/html/],
  [
    "GET /calendar, when consent is still needed (a redirect to sign-in)",
    303,
    as("adele", "GET", "/calendar"),
  ],
  [
    "GET /auth/redirect, when consent is declined",
    400,
    async (_app, users) => users.callbacks.consentDeclined,
  ],
  ["GET /auth/signin, when signed in", 302, as("adele", "GET", "/auth/signin")],
  [
    "GET /auth/redirect, when signed in and the state names no sign-in",
    400,
    as("adele", "GET", "/auth/redirect?state=x&code=y"),
  ],
  ["GET /nowhere, when signed in (404)", 404, as("adele", "GET", "/nowhere"), /^text\/html/],
  [
    "GET /profile, when Graph fails (an error page)",
    502,
    whileGraphFails(500, as("adele", "GET", "/profile")),
  ],
  [
    "GET /profile, when Graph is busy (an error page)",
    503,
    whileGraphFails(429, as("adele", "GET", "/profile"), { "Retry-After": "120" }),
  ],
  ["GET /profile, when Graph refuses (403)", 403, whileGraphFails(403, as("adele", "GET", "/profile"))],
  [
    "POST /auth/signout, when the form's token is wrong",
    403,
    as("adele", "POST", "/auth/signout", "_csrf=guess"),
  ],
  [
    "POST /auth/signout, when the form is oversized",
    413,
    as("adele", "POST", "/auth/signout", `_csrf=${"x".repeat(10_000)}`),
  ],
  [
    "POST /auth/signout, when a field is repeated",
    400,
    as("adele", "POST", "/auth/signout", "_csrf=a&_csrf=b"),
  ],

  // Signed in, without a photo, with the Calendar consent.
  [
    "GET /auth/redirect, when consent is accepted",
    303,
    async (_app, users) => users.callbacks.consentAccepted,
  ],
  [
    "GET /profile/photo, when the user has no photo (the initials)",
    200,
    as("alex", "GET", "/profile/photo"),
    /^image\/svg\+xml/,
  ],
  ["GET /profile, when the user has no photo", 200, as("alex", "GET", "/profile"), /^text\/html/],
  ["GET /calendar, when consent was given", 200, as("alex", "GET", "/calendar"), /^text\/html/],

  // Signing out, last: the session ends.
  ["POST /auth/signout, with the form's token (a redirect to the authority)", 303, signOut],
  [
    "GET /profile/photo, after signing out (a redirect to sign-in)",
    303,
    as("megan", "GET", "/profile/photo"),
  ],
];

describe("nothing per-user in a cache", () => {
  let app: TestApp;
  let users: Users;

  before(async () => {
    app = await startTestApp();
    const [adeleUser, alexUser, meganUser, leeUser] = app.tenant.users;
    assert.ok(
      adeleUser?.hasPhoto && alexUser && !alexUser.hasPhoto && meganUser && leeUser,
      "the test users",
    );
    const [adele, alex, megan, lee] = [app.newClient(), app.newClient(), app.newClient(), app.newClient()];
    await signIn(app, adele, { userOid: adeleUser.oid });
    await signIn(app, alex, { userOid: alexUser.oid });
    await signIn(app, megan, { userOid: meganUser.oid });

    const { callbackUrl } = await authorizeAtTenant(app, lee, { userOid: leeUser.oid });
    const completed = await lee.get(callbackUrl);
    const replayed = await lee.get(callbackUrl);
    // The Calendar page sends each of them through consent: Adele declines, Alex accepts.
    const consent = async (client: TestClient, answer: "accept" | "cancel") => {
      const calendar = await client.get(`${app.baseUrl}/calendar`);
      const back = await authorizeAtTenant(app, client, { signInPath: calendar.location!, consent: answer });
      return client.get(back.callbackUrl);
    };
    const consentDeclined = await consent(adele, "cancel");
    const consentAccepted = await consent(alex, "accept");
    users = { adele, alex, megan, callbacks: { completed, replayed, consentAccepted, consentDeclined } };
  });
  after(() => app.close());

  for (const [request, status, step, contentType] of cases) {
    it(`${request}, answers ${status} that no cache may store`, async () => {
      const response = await step(app, users);

      assert.equal(response.status, status, response.body.slice(0, 300));
      if (contentType) assert.match(response.headers["content-type"] ?? "", contentType);
      assertNotStorable(response);
    });
  }

  for (const who of ["a visitor", "a signed-in user"] as const) {
    it(`GET /assets/styles.css, for ${who}, is public, cacheable and the same for everyone`, async () => {
      const client = who === "a visitor" ? app.newClient() : users.alex;
      const reference = await app.newClient().get(`${app.baseUrl}/assets/styles.css`);

      const response = await client.get(`${app.baseUrl}/assets/styles.css`);

      assert.equal(response.status, 200);
      assert.match(response.headers["cache-control"] ?? "", /^public, max-age=[1-9]\d*$/);
      assert.equal(response.headers["set-cookie"], undefined, "no cookie on a shared response");
      assert.equal(response.headers.vary, undefined, "nothing varies with who asks");
      assert.equal(response.body, reference.body);
    });
  }
});
