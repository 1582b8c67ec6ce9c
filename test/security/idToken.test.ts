/**
 * The app checks the ID token itself (msal-node only decodes it): a sign-in whose ID token is wrong in
 * any way ends with an error page and no session; a refresh that returns another identity ends the
 * session.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { IdTokenFault } from "local-entra";
import { readSessionRow } from "../support/sessionRows.js";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { dropAccessTokens, sessionIdOf } from "../support/tokenCacheTools.js";

describe("ID token checks at sign-in", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const cases: [string, () => IdTokenFault, RegExp][] = [
    ["a wrong nonce", () => ({ nonce: "wrong" }), /could not be completed|nonce/],
    ["no nonce", () => ({ nonce: "missing" }), /could not be completed|nonce/],
    ["another issuer", () => ({ issuer: "https://login.evil.example/x/v2.0" }), /unexpected issuer/],
    [
      "an untrusted extra audience",
      () => ({ audience: [app.config.auth.clientId, "other-app"] }),
      /another application/,
    ],
    ["another audience", () => ({ audience: "other-app" }), /another application/],
    ["an expired token", () => ({ expiredSecondsAgo: 600 }), /token expired/],
    ["an iat in the future", () => ({ issuedInFutureSeconds: 900 }), /issued in the future/],
  ];
  for (const [what, fault, words] of cases) {
    it(`GET /auth/redirect, when the ID token has ${what}, shows an error page and starts no session`, async () => {
      const client = app.newClient();
      const { callbackUrl } = await authorizeAtTenant(app, client);
      app.tenant.faults.idToken = fault();
      app.resetCounts();

      const response = await client.get(callbackUrl);
      app.tenant.faults.idToken = null;

      assert.equal(response.status, 400);
      assert.match(response.body, words);
      assert.equal(client.cookie(app.baseUrl, "sid"), undefined, "no session was started");
      assert.equal(app.storeCalls.set, 0, "nothing was written to the session store");
      assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 303);
    });
  }

  it("GET /auth/redirect, with an ID token within the allowed 5 minutes of clock skew, signs in", async () => {
    const client = app.newClient();
    const { callbackUrl } = await authorizeAtTenant(app, client);
    app.tenant.faults.idToken = { issuedInFutureSeconds: 120 };

    const response = await client.get(callbackUrl);
    app.tenant.faults.idToken = null;

    assert.equal(response.status, 303);
  });
});

describe("ID token checks at refresh", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const cases: [string, () => IdTokenFault][] = [
    ["another oid (another user)", () => ({ oid: app.tenant.users[1]!.oid, grantType: "refresh_token" })],
    ["another sub", () => ({ sub: "another-subject", grantType: "refresh_token" })],
    ["another issuer", () => ({ issuer: "https://login.evil.example/x/v2.0", grantType: "refresh_token" })],
  ];
  for (const [what, fault] of cases) {
    it(`GET /profile, when a refresh returns an ID token with ${what}, destroys the session`, async () => {
      const client = app.newClient();
      await signIn(app, client);
      const sid = sessionIdOf(app, client);
      dropAccessTokens(app, client);
      app.tenant.faults.idToken = fault();

      const response = await client.get(`${app.baseUrl}/profile`);
      app.tenant.faults.idToken = null;

      assert.equal(response.status, 303);
      assert.match(response.location ?? "", /\/auth\/signin/);
      assert.equal(readSessionRow(app.sqlitePath, sid), undefined, "the session is gone from the store");
      assert.equal(app.tenant.counters.tokenRefresh > 0, true);
    });
  }
});
