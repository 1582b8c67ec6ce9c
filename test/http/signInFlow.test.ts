import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { startMovableClock } from "../support/movableClock.js";
import type { MovableClock } from "../support/movableClock.js";
import { readSessionRow, sessionIdFromCookie } from "../support/sessionRows.js";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { readStoredCache } from "../support/tokenCacheTools.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";

describe("the sign-in flow against the local tenant", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET /profile, when the session has no account, redirects to sign-in with the page to come back to", async () => {
    const client = app.newClient();

    const response = await client.get(`${app.baseUrl}/profile`);

    assert.equal(response.status, 303);
    assert.equal(response.location, `${app.baseUrl}/auth/signin?returnTo=%2Fprofile`);
  });

  it("GET /auth/signin, for a visitor, redirects to the authority with PKCE S256, state and nonce", async () => {
    const client = app.newClient();

    const response = await client.get(`${app.baseUrl}/auth/signin`);

    assert.equal(response.status, 302);
    const url = new URL(response.location!);
    assert.equal(`${url.origin}${url.pathname}`, `${app.tenant.authority}/oauth2/v2.0/authorize`);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.match(url.searchParams.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
    // The state is the sign-in itself, sealed (JWE compact: five base64url parts).
    assert.match(url.searchParams.get("state") ?? "", /^[\w-]+\.\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    assert.match(url.searchParams.get("nonce") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.equal(url.searchParams.get("response_mode"), "query");
    assert.equal(url.searchParams.get("redirect_uri"), app.config.auth.redirectUri);
  });

  it("sign-in, through the tenant's page, starts the session only at the callback and returns to the page asked for", async () => {
    const client = app.newClient();
    const { callbackUrl, authorizeUrl } = await authorizeAtTenant(app, client, { returnTo: "/profile" });
    assert.equal(client.cookie(app.baseUrl, "sid"), undefined, "no session before the sign-in completes");

    const back = await client.get(callbackUrl);

    const afterCookie = client.cookie(app.baseUrl, "sid");
    assert.ok(afterCookie);
    assert.equal(back.status, 303);
    assert.equal(back.location, `${app.baseUrl}/profile`);
    const stored = readSessionRow(app.sqlitePath, sessionIdFromCookie(afterCookie));
    const { searchParams } = new URL(authorizeUrl);
    const row = JSON.stringify(stored);
    for (const name of ["state", "nonce"]) {
      assert.ok(!row.includes(searchParams.get(name)!), `the flow's ${name} is not kept in the session`);
    }
    assert.deepEqual(
      Object.keys(client.cookies(app.baseUrl)).filter((name) => name.startsWith("signin.")),
      [],
      "the sign-in's own cookie is cleared by the callback",
    );
    const user = app.tenant.users[0]!;
    assert.equal(
      (stored?.account as { homeAccountId?: string }).homeAccountId,
      `${user.oid}.${app.tenant.tenantId}`,
    );
  });

  it("GET /profile, after sign-in, shows the user's Graph fields", async () => {
    const client = app.newClient();
    const user = app.tenant.users[0]!;
    await signIn(app, client, { userOid: user.oid });

    const page = await client.get(`${app.baseUrl}/profile`);

    assert.equal(page.status, 200);
    assert.ok(user.displayName && page.body.includes(user.displayName));
    assert.ok(user.userPrincipalName && page.body.includes(user.userPrincipalName));
    assert.ok(user.jobTitle && page.body.includes(user.jobTitle));
    assert.ok(page.body.includes(user.oid));
    assert.ok(page.body.includes("Local test tenant"));
    assert.equal(page.headers["cache-control"], "no-store");
  });

  it("GET /profile, a second time with a valid access token, makes zero token calls and zero session writes", async () => {
    const client = app.newClient();
    await signIn(app, client);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    app.resetCounts();

    const second = await client.get(`${app.baseUrl}/profile`);
    const third = await client.get(`${app.baseUrl}/profile`);

    assert.equal(second.status, 200);
    assert.equal(third.status, 200);
    const { counters } = app.tenant;
    assert.equal(counters.tokenAuthorizationCode + counters.tokenRefresh, 0, "token endpoint calls");
    assert.equal(counters.discovery, 0, "metadata is read once per process");
    assert.equal(app.storeCalls.set, 0, "session writes");
    assert.equal(app.storeCalls.touch, 2, "express-session extends the TTL of an unmodified session (touch)");
    assert.equal(counters.graphMe, 2);
  });

  it("POST /auth/signout, with the form's token, destroys the session and goes to the end-session endpoint", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const home = await client.get(`${app.baseUrl}/`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1];
    assert.ok(csrf, "every page of a signed-in user has a sign-out form");
    const sid = sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);

    const response = await client.postForm(`${app.baseUrl}/auth/signout`, { _csrf: csrf });

    assert.equal(response.status, 303);
    assert.equal(
      response.headers["clear-site-data"],
      '"cache", "storage"',
      "the browser forgets what it kept",
    );
    const logout = new URL(response.location!);
    assert.equal(`${logout.origin}${logout.pathname}`, `${app.tenant.authority}/oauth2/v2.0/logout`);
    assert.equal(logout.searchParams.get("post_logout_redirect_uri"), app.config.auth.postLogoutRedirectUri);
    assert.equal(readSessionRow(app.sqlitePath, sid), undefined);
    assert.equal(client.cookie(app.baseUrl, "sid"), undefined);
    const tenantLogout = await client.get(response.location!);
    assert.equal(tenantLogout.status, 302);
    assert.equal(tenantLogout.location, app.config.auth.postLogoutRedirectUri);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 303);
  });

  it("POST /auth/signout, for a signed-in user, sends the ID token's login_hint as logout_hint, so the tenant returns to the app without asking", async () => {
    // Arrange
    const client = app.newClient();
    await signIn(app, client);
    const home = await client.get(`${app.baseUrl}/`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1];
    assert.ok(csrf);
    const idToken = Object.values(readStoredCache(app, client).IdToken ?? {})[0]?.secret;
    assert.ok(idToken, "the session's token cache holds the ID token");
    const loginHint = decodeJwt(idToken).login_hint;
    assert.equal(
      typeof loginHint,
      "string",
      "the tenant's ID token carries login_hint (msal-node asks for it)",
    );

    // Act
    const signOut = await client.postForm(`${app.baseUrl}/auth/signout`, { _csrf: csrf });
    const atTenant = await client.get(signOut.location!);

    // Assert
    assert.equal(new URL(signOut.location!).searchParams.get("logout_hint"), loginHint);
    assert.equal(atTenant.status, 302, "no account picker");
    assert.equal(atTenant.location, app.config.auth.postLogoutRedirectUri);
  });

  it("POST /auth/signout, from a browser whose session has already ended, still clears what the browser kept", async () => {
    const client = app.newClient();

    const response = await client.postForm(`${app.baseUrl}/auth/signout`, {});

    assert.equal(response.status, 303);
    assert.equal(response.location, `${app.baseUrl}/`);
    assert.equal(response.headers["clear-site-data"], '"cache", "storage"');
  });

  it("POST /auth/signout, without the form's token, is refused and the session survives", async () => {
    const client = app.newClient();
    await signIn(app, client);

    const forged = await client.postForm(`${app.baseUrl}/auth/signout`, {});
    const crossSite = await client.postForm(
      `${app.baseUrl}/auth/signout`,
      { _csrf: "guess" },
      { "sec-fetch-site": "cross-site" },
    );

    assert.equal(forged.status, 403);
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.headers["clear-site-data"], undefined, "another site cannot clear this one");
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });

  it("the log, after a sign-in and a profile page, holds no token and no cookie", async () => {
    const client = app.newClient();
    await signIn(app, client);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    const sidCookie = client.cookie(app.baseUrl, "sid")!;
    const stored = readSessionRow(app.sqlitePath, sessionIdFromCookie(sidCookie));
    const homeAccountId = (stored!.account as { homeAccountId: string }).homeAccountId;
    const cache = JSON.parse(app.cipher.open(stored!.tokenCache, homeAccountId)) as Record<
      string,
      Record<string, { secret: string }>
    >;
    const secrets = ["AccessToken", "RefreshToken", "IdToken"].flatMap((kind) =>
      Object.values(cache[kind] ?? {}).map((entry) => entry.secret),
    );
    assert.equal(secrets.length, 3, "the cache holds one token of each kind");

    const log = app.logLines.join("\n");

    for (const secret of secrets) assert.ok(!log.includes(secret), "a token is in the log");
    assert.ok(!log.includes(sessionIdFromCookie(sidCookie)), "the session id is in the log");
    assert.doesNotMatch(log, /eyJ[\w-]{10,}\.[\w-]{10,}\./, "something JWT-shaped is in the log");
  });

  it("GET /auth/signout, a link or image on another site, never signs the user out", async () => {
    const client = app.newClient();
    await signIn(app, client);

    const response = await client.get(`${app.baseUrl}/auth/signout`);

    assert.equal(response.status, 404);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });
});

describe("the token cache across an access-token expiry", () => {
  // MSAL reads the process's clock (Date), which no option of msal-node replaces; so the test moves
  // Date itself (movableClock.ts), for the app, MSAL and the tenant alike. MSAL treats a token as
  // expired 300 s early: a 1-hour token is expired 3,301 s after it was issued.
  const lifetimeSeconds = 3600;
  const surelyExpiredAfterMs = (lifetimeSeconds - 300 + 1) * 1000;
  let clock: MovableClock;
  let app: TestApp;
  before(async () => {
    clock = startMovableClock();
    app = await startTestApp({ tenant: { accessTokenLifetimeSeconds: lifetimeSeconds } });
  });
  after(async () => {
    await app.close();
    clock.restore();
  });

  it("GET /profile, after the access token expires, makes one refresh call and exactly one session write", async () => {
    const client = app.newClient();
    await signIn(app, client);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    clock.advance(surelyExpiredAfterMs);
    app.resetCounts();

    const refreshed = await client.get(`${app.baseUrl}/profile`);
    const countsAfterRefresh = { refresh: app.tenant.counters.tokenRefresh, writes: app.storeCalls.set };
    const servedFromCache = await client.get(`${app.baseUrl}/profile`);

    assert.equal(refreshed.status, 200);
    assert.deepEqual(countsAfterRefresh, { refresh: 1, writes: 1 });
    assert.equal(servedFromCache.status, 200);
    assert.equal(app.tenant.counters.tokenRefresh, 1, "the refreshed token is used from the cache");
    assert.equal(app.storeCalls.set, 1);
  });

  it("10 parallel GET /profile of one session, after the expiry, share one refresh call and one write", async () => {
    const client = app.newClient();
    await signIn(app, client);
    clock.advance(surelyExpiredAfterMs);
    app.resetCounts();

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => client.get(`${app.baseUrl}/profile`)),
    );

    assert.deepEqual(
      responses.map((r) => r.status),
      Array.from({ length: 10 }, () => 200),
    );
    assert.equal(app.tenant.counters.tokenRefresh, 1, "concurrent silent calls are coalesced");
    assert.equal(app.storeCalls.set, 1, "only the request that refreshed writes the session");
  });
});
