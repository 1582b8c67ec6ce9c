/**
 * What the app does when the identity provider or Graph misbehave: deadlines, a short Retry-After
 * waited out once (a long one passed on as 503), Graph's 401/403 and claims challenges, and refresh
 * tokens that are dead or revoked on reuse.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { dropAccessTokens, readStoredCache } from "../support/tokenCacheTools.js";

const timed = async <T>(work: () => Promise<T>) => {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
};

describe("the token endpoint misbehaving during a refresh", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  async function signedInNeedingRefresh() {
    const client = app.newClient();
    await signIn(app, client);
    dropAccessTokens(app, client);
    app.resetCounts();
    return client;
  }

  it("GET /profile, when the token endpoint answers 500, shows a clear 502 page and keeps the session", async () => {
    const client = await signedInNeedingRefresh();
    app.tenant.faults.token = { status: 500, grantType: "refresh_token" };

    const failed = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.token = null;
    const recovered = await client.get(`${app.baseUrl}/profile`);

    assert.equal(failed.status, 502);
    assert.match(failed.body, /The sign-in service is not answering/);
    assert.equal(recovered.status, 200);
  });

  it("GET /profile, when the token endpoint hangs, answers 502 within the deadline", async () => {
    const client = await signedInNeedingRefresh();
    app.tenant.faults.token = { hang: true, grantType: "refresh_token" };

    const { result, ms } = await timed(() => client.get(`${app.baseUrl}/profile`));
    app.tenant.faults.token = null;

    assert.equal(result.status, 502);
    assert.ok(ms < 1_500 * 2.5, `took ${ms} ms with a 1500 ms deadline`);
  });

  it("GET /profile, when the token endpoint answers 429 with Retry-After: 1, waits once and succeeds", async () => {
    const client = await signedInNeedingRefresh();
    app.tenant.faults.token = {
      status: 429,
      headers: { "Retry-After": "1" },
      grantType: "refresh_token",
      times: 1,
    };

    const { result, ms } = await timed(() => client.get(`${app.baseUrl}/profile`));

    assert.equal(result.status, 200);
    assert.equal(app.tenant.counters.tokenRefresh, 2, "one refused call, one retry");
    assert.ok(ms >= 900, `the app waited ${ms} ms`);
  });

  it("GET /profile, when the token endpoint answers 429 with a long Retry-After, answers 503 passing the wait on", async () => {
    const client = await signedInNeedingRefresh();
    app.tenant.faults.token = { status: 429, headers: { "Retry-After": "60" }, grantType: "refresh_token" };

    const failed = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.token = null;

    assert.equal(failed.status, 503);
    assert.equal(failed.headers["retry-after"], "60");
    assert.match(failed.body, /busy/);
    assert.equal(app.tenant.counters.tokenRefresh, 1, "no retry loop");
  });

  it("GET /profile, when the refresh token is refused (invalid_grant), sends the user through sign-in", async () => {
    const client = await signedInNeedingRefresh();
    app.tenant.faults.token = { status: 400, grantType: "refresh_token", times: 1 };

    const response = await client.get(`${app.baseUrl}/profile`);

    assert.equal(response.status, 303);
    assert.equal(response.location, `${app.baseUrl}/auth/signin?returnTo=%2Fprofile`);
  });
});

describe("Graph misbehaving", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  async function signedIn() {
    const client = app.newClient();
    await signIn(app, client);
    app.resetCounts();
    return client;
  }

  it("GET /profile, when Graph rejects the token once (401 invalid_token), refreshes once and retries", async () => {
    const client = await signedIn();
    app.tenant.faults.graph = { status: 401, times: 1 };

    const response = await client.get(`${app.baseUrl}/profile`);

    assert.equal(response.status, 200);
    assert.equal(app.tenant.counters.tokenRefresh, 1);
    assert.equal(app.tenant.counters.graphMe, 2);
  });

  it("GET /profile, when Graph keeps rejecting the token, refreshes once, retries once, then asks to sign in", async () => {
    const client = await signedIn();
    app.tenant.faults.graph = { status: 401 };

    const response = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = null;

    assert.equal(response.status, 303);
    assert.equal(response.location, `${app.baseUrl}/auth/signin?returnTo=%2Fprofile`);
    assert.equal(app.tenant.counters.tokenRefresh, 1);
    assert.equal(app.tenant.counters.graphMe, 2);
  });

  it("GET /profile, when Graph sends a claims challenge, signs in again with the claims and then shows the profile", async () => {
    const client = await signedIn();
    app.tenant.faults.graph = { claimsChallenge: true };

    const challenged = await client.get(`${app.baseUrl}/profile`);
    assert.equal(challenged.status, 303);
    const start = await client.get(challenged.location!);
    const claims = new URL(start.location!).searchParams.get("claims") ?? "";
    const back = await (async () => {
      const page = await client.get(start.location!);
      return page.status === 302 ? page : undefined;
    })();

    assert.ok(back, "the tenant's SSO session answers at once");
    const completed = await client.get(back.location!);
    assert.equal(completed.status, 303);
    const profile = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = null;

    const sent = JSON.parse(claims) as { access_token?: { nbf?: unknown; xms_cc?: unknown } };
    assert.ok(sent.access_token?.nbf, `the challenge's claims went to the authority: ${claims}`);
    assert.deepEqual(sent.access_token?.xms_cc, { values: ["CP1"] }, "the app declares CP1");
    assert.equal(profile.status, 200);
  });

  it("GET /profile, when Graph challenges again right after the claims sign-in, shows an error instead of looping", async () => {
    const client = await signedIn();
    app.tenant.faults.graph = { claimsChallenge: true };
    const challenged = await client.get(`${app.baseUrl}/profile`);
    const start = await client.get(challenged.location!);
    const sso = await client.get(start.location!);
    await client.get(sso.location!);
    // A challenge that no token can satisfy: a plain 401 that still carries insufficient_claims.
    app.tenant.faults.graph = {
      status: 401,
      headers: {
        "WWW-Authenticate": `Bearer realm="", error="insufficient_claims", claims="${Buffer.from('{"access_token":{"acrs":{"essential":true,"value":"c9"}}}').toString("base64")}"`,
      },
    };

    const again = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = null;

    assert.equal(again.status, 502);
    assert.match(again.body, /still asks for additional verification/);
  });

  it("GET /profile, when Graph answers 403, shows a no-permission page", async () => {
    const client = await signedIn();
    app.tenant.faults.graph = { status: 403 };

    const response = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = null;

    assert.equal(response.status, 403);
    assert.match(response.body, /<h1>No permission<\/h1>/);
    assert.match(response.body, /Ask your administrator/);
  });

  for (const status of [429, 503]) {
    it(`GET /profile, when Graph answers ${status} with Retry-After: 1 once, waits and succeeds`, async () => {
      const client = await signedIn();
      app.tenant.faults.graph = { status, headers: { "Retry-After": "1" }, times: 1 };

      const { result, ms } = await timed(() => client.get(`${app.baseUrl}/profile`));

      assert.equal(result.status, 200);
      assert.equal(app.tenant.counters.graphMe, 2);
      assert.ok(ms >= 900, `waited ${ms} ms`);
    });

    it(`GET /profile, when Graph answers ${status} with a long Retry-After, answers 503 with it and does not retry`, async () => {
      const client = await signedIn();
      app.tenant.faults.graph = { status, headers: { "Retry-After": "120" } };

      const response = await client.get(`${app.baseUrl}/profile`);
      app.tenant.faults.graph = null;

      assert.equal(response.status, 503);
      assert.equal(response.headers["retry-after"], "120");
      assert.equal(app.tenant.counters.graphMe, 1);
    });
  }

  it("GET /profile, when Graph sends a huge body, refuses it with a clear error", async () => {
    const client = await signedIn();
    app.tenant.faults.graph = { hugeBodyBytes: 5 * 1024 * 1024 };

    const response = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = null;

    assert.equal(response.status, 502);
    assert.match(response.body, /could not read/);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });
});

describe("a tenant that revokes a refresh token used twice", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ tenant: { strictRefreshTokenReuse: true } });
  });
  after(() => app.close());

  it("10 parallel GET /profile needing a refresh, on one instance, use the refresh token once and all succeed", async () => {
    const client = app.newClient();
    await signIn(app, client);
    dropAccessTokens(app, client);
    app.resetCounts();

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => client.get(`${app.baseUrl}/profile`)),
    );

    assert.deepEqual(
      responses.map((r) => r.status),
      Array.from({ length: 10 }, () => 200),
    );
    assert.equal(app.tenant.counters.tokenRefresh, 1);
    assert.equal(
      Object.keys(readStoredCache(app, client).AccessToken ?? {}).length,
      1,
      "the new token was stored",
    );
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });
});
