import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rewriteSession, sessionIdFromCookie } from "../support/sessionRows.js";
import { authorizeAtTenant, parseLoginForm, signIn } from "../support/signIn.js";
import { MAX_PENDING_SIGN_INS } from "../../src/auth/signInTransactions.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";

function assertErrorPage(body: string) {
  assert.match(body, /If you contact support, give them this reference: <code>[0-9a-f-]{36}<\/code>/);
  assert.doesNotMatch(body, /\bat [\w.<>]+ \(.*:\d+:\d+\)/, "no stack trace on the page");
}

describe("bad input at the sign-in callback", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET /auth/redirect, with no state, answers 400 and makes no token call", async () => {
    const client = app.newClient();
    const { callbackUrl } = await authorizeAtTenant(app, client);
    const withoutState = new URL(callbackUrl);
    withoutState.searchParams.delete("state");
    app.resetCounts();

    const response = await client.get(withoutState.href);

    assert.equal(response.status, 400);
    assertErrorPage(response.body);
    assert.equal(app.tenant.counters.tokenAuthorizationCode, 0);
  });

  it("GET /auth/redirect, with a state from another browser (login CSRF), answers 400 and makes no token call", async () => {
    const victim = app.newClient();
    const attacker = app.newClient();
    await victim.get(`${app.baseUrl}/auth/signin`);
    const { callbackUrl } = await authorizeAtTenant(app, attacker);
    app.resetCounts();

    const response = await victim.get(callbackUrl);

    assert.equal(response.status, 400);
    assert.match(response.body, /does not belong to a sign-in started in this browser/);
    assert.equal(app.tenant.counters.tokenAuthorizationCode, 0);
  });

  it("GET /auth/redirect, with a repeated parameter, answers 400", async () => {
    const client = app.newClient();

    const response = await client.get(`${app.baseUrl}/auth/redirect?state=a&state=b&code=c`);

    assert.equal(response.status, 400);
    assert.match(response.body, /must appear once/);
  });

  it("GET /auth/redirect, when the user cancels at the provider, explains it and escapes the description", async () => {
    const client = app.newClient();
    const start = await client.get(`${app.baseUrl}/auth/signin`);
    const page = await client.get(start.location!);
    const form = parseLoginForm(page, start.location!);
    const cancelled = await client.postForm(form.action, { ...form.fields, cancel: "1" });
    assert.equal(new URL(cancelled.location!).searchParams.get("error"), "access_denied");

    const response = await client.get(cancelled.location!);
    const forgedUrl = new URL(cancelled.location!);
    forgedUrl.searchParams.set("error_description", "<script>alert(1)</script>");
    const replayedWithHtml = await client.get(forgedUrl.href);

    assert.equal(response.status, 400);
    assert.match(response.body, /The sign-in was cancelled or access was denied/);
    assert.match(response.body, /AADSTS65004/);
    assert.equal(replayedWithHtml.status, 400, "the state was used up by the first answer");
    const htmlTest = await (async () => {
      const other = app.newClient();
      const s = await other.get(`${app.baseUrl}/auth/signin`);
      const state = new URL(s.location!).searchParams.get("state")!;
      const q = new URLSearchParams({
        state,
        error: "access_denied",
        error_description: "<script>alert(1)</script>",
      });
      return other.get(`${app.baseUrl}/auth/redirect?${q.toString()}`);
    })();
    assert.equal(htmlTest.status, 400);
    assert.ok(!htmlTest.body.includes("<script>alert(1)</script>"));
    assert.ok(htmlTest.body.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  });

  it("GET /auth/redirect, replayed after a successful sign-in, answers 400 without a token call", async () => {
    const client = app.newClient();
    const { callbackUrl } = await authorizeAtTenant(app, client);
    assert.equal((await client.get(callbackUrl)).status, 303);
    app.resetCounts();

    const replay = await client.get(callbackUrl);

    assert.equal(replay.status, 400);
    assert.equal(app.tenant.counters.tokenAuthorizationCode, 0);
  });

  it("GET /auth/redirect, with a used code under a fresh state, is refused by the provider and answers 400", async () => {
    const client = app.newClient();
    const { callbackUrl } = await authorizeAtTenant(app, client);
    assert.equal((await client.get(callbackUrl)).status, 303);
    const usedCode = new URL(callbackUrl).searchParams.get("code")!;
    const fresh = await client.get(`${app.baseUrl}/auth/signin`);
    const freshState = new URL(fresh.location!).searchParams.get("state")!;
    app.resetCounts();

    const replay = await client.get(
      `${app.baseUrl}/auth/redirect?${new URLSearchParams({ code: usedCode, state: freshState }).toString()}`,
    );

    assert.equal(replay.status, 400);
    assert.match(replay.body, /could not be completed/);
    assert.equal(app.tenant.counters.tokenAuthorizationCode, 1);
    assert.equal(app.tenant.counters.tokenErrors, 1);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200, "the earlier sign-in is kept");
  });

  it("GET /auth/signin, with a returnTo on another site, comes back to the home page", async () => {
    for (const returnTo of [
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "javascript:alert(1)",
      "/%2F%2Fevil.example",
      "/%5Cevil.example",
      "%2F%2Fevil.example",
      "/\t/evil.example",
    ]) {
      const client = app.newClient();

      const back = await signIn(app, client, { returnTo });

      assert.equal(back.location, `${app.baseUrl}/`, returnTo);
    }
  });
});

describe("bad content in the session store and bad answers from Graph", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET /profile, with a corrupted cache blob in the session, treats the user as signed out", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const sid = sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
    rewriteSession(app.sqlitePath, sid, (session) => {
      session.tokenCache = '{"AccessToken": [1, 2, "not a cache"';
    });

    const profile = await client.get(`${app.baseUrl}/profile`);
    const home = await client.get(`${app.baseUrl}/`);

    assert.equal(profile.status, 303);
    assert.equal(profile.location, `${app.baseUrl}/auth/signin?returnTo=%2Fprofile`);
    assert.match(home.body, /href="\/auth\/signin"/);
    assert.doesNotMatch(home.body, /Signed in as/);
    assert.equal(app.logLines.filter((l) => l.includes("discarding an unusable token cache")).length, 1);
  });

  it("GET /profile, with a malformed account in the session, treats the user as signed out", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const sid = sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
    rewriteSession(app.sqlitePath, sid, (session) => {
      session.account = { homeAccountId: ["not", "a", "string"] };
    });

    const profile = await client.get(`${app.baseUrl}/profile`);

    assert.equal(profile.status, 303);
  });

  for (const [fault, expectedStatus, words] of [
    [{ status: 500 }, 502, /Microsoft Graph had a problem answering/],
    [{ hang: true as const }, 504, /did not answer in time/],
  ] as const) {
    it(`GET /profile, when Graph answers ${JSON.stringify(fault)}, shows a clear error and keeps the session`, async () => {
      const client = app.newClient();
      await signIn(app, client);
      app.tenant.faults.graph = fault;

      const failed = await client.get(`${app.baseUrl}/profile`);
      app.tenant.faults.graph = null;
      const recovered = await client.get(`${app.baseUrl}/profile`);

      assert.equal(failed.status, expectedStatus);
      assert.match(failed.body, words);
      assertErrorPage(failed.body);
      assert.equal(recovered.status, 200, "the session and its cache survive the failure");
    });
  }

  it("GET /profile, when Graph's answer is not a profile, shows a clear error", async () => {
    const client = app.newClient();
    await signIn(app, client);
    app.tenant.faults.graph = { status: 200, body: { id: 42, displayName: { html: "<b>" } } };

    const failed = await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = null;

    assert.equal(failed.status, 502);
    assert.match(failed.body, /could not read/);
  });

  it("GET /profile, when the refresh token is dead, sends the user through sign-in and back", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const sid = sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
    // Force MSAL to refresh: drop the access token from the stored cache.
    rewriteSession(app.sqlitePath, sid, (session) => {
      const homeAccountId = (session.account as { homeAccountId: string }).homeAccountId;
      const cache = JSON.parse(app.cipher.open(session.tokenCache, homeAccountId)) as Record<string, unknown>;
      cache.AccessToken = {};
      session.tokenCache = app.cipher.seal(JSON.stringify(cache), homeAccountId);
    });
    app.tenant.revokeRefreshTokens();

    const profile = await client.get(`${app.baseUrl}/profile`);

    assert.equal(profile.status, 303);
    assert.equal(profile.location, `${app.baseUrl}/auth/signin?returnTo=%2Fprofile`);
    const back = await signIn(app, client, { returnTo: "/profile" });
    assert.equal(back.location, `${app.baseUrl}/profile`);
    assert.equal((await client.get(back.location)).status, 200);
  });

  it("GET /no-such-page answers a 404 page", async () => {
    const response = await app.newClient().get(`${app.baseUrl}/no-such-page`);

    assert.equal(response.status, 404);
    assertErrorPage(response.body);
  });
});

describe("several sign-ins in progress in one browser", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("two tabs, each starting a sign-in, can both complete it, in either order", async () => {
    const client = app.newClient();
    const first = await authorizeAtTenant(app, client, {
      returnTo: "/profile",
      userOid: app.tenant.users[0]!.oid,
    });
    const second = await authorizeAtTenant(app, client, { returnTo: "/" });

    const secondDone = await client.get(second.callbackUrl);
    const firstDone = await client.get(first.callbackUrl);

    assert.equal(secondDone.status, 303);
    assert.equal(secondDone.location, `${app.baseUrl}/`);
    assert.equal(firstDone.status, 303);
    assert.equal(firstDone.location, `${app.baseUrl}/profile`);
  });

  it(`a sign-in started past ${MAX_PENDING_SIGN_INS} in one browser pushes out the oldest`, async () => {
    const client = app.newClient();
    const states: string[] = [];
    for (let i = 0; i <= MAX_PENDING_SIGN_INS; i++) {
      const start = await client.get(`${app.baseUrl}/auth/signin`);
      states.push(new URL(start.location!).searchParams.get("state")!);
    }

    const oldest = await client.get(`${app.baseUrl}/auth/redirect?state=${states[0]}&error=access_denied`);
    const newest = await client.get(
      `${app.baseUrl}/auth/redirect?state=${states.at(-1)}&error=access_denied`,
    );

    assert.match(oldest.body, /does not belong to a sign-in started in this browser/);
    assert.match(newest.body, /cancelled or access was denied/, "the newest is still known");
  });
});
