/**
 * Session hardening: cookie attributes, forged and tampered cookies, secret rotation, idle and
 * absolute timeouts enforced on the server, and settings (not request headers) deciding URLs.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startMovableClock } from "../support/movableClock.js";
import type { MovableClock } from "../support/movableClock.js";
import { isSessionLive, readSessionRow, sessionIdFromCookie } from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";

/** express-session's cookie format: s:<id>.<base64 HMAC-SHA256 of the id, without padding>. */
function signedCookie(sid: string, secret: string): string {
  const signature = createHmac("sha256", secret).update(sid).digest("base64").replace(/=+$/, "");
  return encodeURIComponent(`s:${sid}.${signature}`);
}

describe("session cookies", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("the session cookie, over local http, is HttpOnly, SameSite=Lax, signed and host-only", async () => {
    const client = app.newClient();

    const response = await signIn(app, client);

    const sid = (response.headers["set-cookie"] ?? "")
      .split(/, (?=[^;=]+=)/)
      .find((line) => line.startsWith("sid="));
    assert.match(sid ?? "", /^sid=s%3A[\w-]+\.[\w%+/]+;/);
    assert.match(sid ?? "", /; HttpOnly/);
    assert.match(sid ?? "", /; SameSite=Lax/);
    assert.match(sid ?? "", /; Path=\//);
    assert.doesNotMatch(sid ?? "", /Domain=/i);
  });

  it("GET /auth/signin, for a visitor, sets only the sign-in's own cookie (HttpOnly, Lax, ten minutes) and no session", async () => {
    const client = app.newClient();
    app.resetCounts();

    const response = await client.get(`${app.baseUrl}/auth/signin`);

    const cookie = response.headers["set-cookie"] ?? "";
    assert.match(
      cookie,
      /^signin\.[\w-]{12}=[0-9a-z]+\.[\w-]{22}; Max-Age=600; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
    );
    assert.equal(client.cookie(app.baseUrl, "sid"), undefined);
    assert.equal(app.storeCalls.set, 0, "nothing is written to the session store for a visitor");
  });

  it("GET /profile, with a session cookie whose signature was tampered with, is treated as signed out", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const value = client.cookie(app.baseUrl, "sid")!;
    client.setCookie(
      app.baseUrl,
      "sid",
      value.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
    );

    const profile = await client.get(`${app.baseUrl}/profile`);

    assert.equal(profile.status, 303);
  });

  it("GET /profile, with an unsigned or guessed session id, is treated as signed out", async () => {
    const victim = app.newClient();
    await signIn(app, victim);
    const attacker = app.newClient();
    attacker.setCookie(app.baseUrl, "sid", sessionIdFromCookie(victim.cookie(app.baseUrl, "sid")!));

    const profile = await attacker.get(`${app.baseUrl}/profile`);

    assert.equal(profile.status, 303);
  });

  it("a session id, set by an attacker before sign-in (fixation), is replaced at sign-in", async () => {
    const attacker = app.newClient();
    await signIn(app, attacker);
    const planted = sessionIdFromCookie(attacker.cookie(app.baseUrl, "sid")!);
    const victim = app.newClient();
    victim.setCookie(app.baseUrl, "sid", attacker.cookie(app.baseUrl, "sid")!);

    await signIn(app, victim, { userOid: app.tenant.users[1]!.oid });

    assert.notEqual(sessionIdFromCookie(victim.cookie(app.baseUrl, "sid")!), planted);
    assert.equal(readSessionRow(app.sqlitePath, planted), undefined);
  });
});

describe("session secret rotation", () => {
  let oldSecretApp: TestApp;
  let rotatedApp: TestApp;
  const oldSecret = "o".repeat(40);
  const newSecret = "n".repeat(40);
  before(async () => {
    oldSecretApp = await startTestApp({ env: { EXPRESS_SESSION_SECRET: oldSecret } });
    rotatedApp = await startTestApp({
      sibling: oldSecretApp,
      env: { EXPRESS_SESSION_SECRET: newSecret, EXPRESS_SESSION_PREVIOUS_SECRETS: oldSecret },
    });
  });
  after(async () => {
    await rotatedApp.close();
    await oldSecretApp.close();
  });

  it("a cookie signed with the previous secret, after rotation, still opens its session", async () => {
    const client = oldSecretApp.newClient();
    await signIn(oldSecretApp, client);
    const sid = sessionIdFromCookie(client.cookie(oldSecretApp.baseUrl, "sid")!);
    assert.equal(client.cookie(oldSecretApp.baseUrl, "sid"), signedCookie(sid, oldSecret));

    const profile = await client.get(`${rotatedApp.baseUrl}/profile`);

    assert.equal(profile.status, 200);
    // The cookie is set once per sign-in and never sent again (a late answer must not revive a signed-out
    // session's cookie), so it keeps the old signature until the session ends: keep the previous
    // secret for SESSION_ABSOLUTE_TIMEOUT_SECONDS after a rotation.
    assert.equal(client.cookie(rotatedApp.baseUrl, "sid"), signedCookie(sid, oldSecret));
  });

  it("a sign-in, after rotation, gets a cookie signed with the new secret", async () => {
    const client = rotatedApp.newClient();

    await signIn(rotatedApp, client);

    const sid = sessionIdFromCookie(client.cookie(rotatedApp.baseUrl, "sid")!);
    assert.equal(client.cookie(rotatedApp.baseUrl, "sid"), signedCookie(sid, newSecret));
  });
});

describe("session timeouts", () => {
  // The time between requests is moved, not waited for: the store's expiry and the app's absolute
  // timeout read the moved clock.
  let clock: MovableClock;
  let app: TestApp;
  before(async () => {
    clock = startMovableClock();
    app = await startTestApp({
      env: { SESSION_IDLE_TIMEOUT_SECONDS: "2", SESSION_ABSOLUTE_TIMEOUT_SECONDS: "4" },
    });
  });
  after(async () => {
    await app.close();
    clock.restore();
  });

  it("GET /profile, after more than the idle timeout without a request, sends the user to sign in", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const sid = sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
    assert.equal(isSessionLive(app.sqlitePath, sid), true);

    clock.advance(3_100);
    const profile = await client.get(`${app.baseUrl}/profile`);

    assert.equal(profile.status, 303);
    assert.equal(isSessionLive(app.sqlitePath, sid), false, "the store no longer serves the idle session");
  });

  it("GET /profile, kept active past the absolute timeout, ends the session all the same", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const statuses: number[] = [];

    // A request every second (under the 2 s idle timeout) from sign-in to 5 s after it.
    for (let second = 0; second <= 5; second++) {
      statuses.push((await client.get(`${app.baseUrl}/profile`)).status);
      clock.advance(1_000);
    }

    assert.equal(statuses[0], 200, "active sessions outlive the idle timeout");
    assert.equal(statuses[2], 200);
    assert.equal(statuses.at(-1), 303, `statuses: ${statuses.join(",")}`);
  });
});

describe("URLs come from settings, not from request headers", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET /auth/signin, with a forged Host and X-Forwarded-* headers, sends the configured redirect URI", async () => {
    const client = app.newClient();

    const response = await client.get(`${app.baseUrl}/auth/signin`, {
      host: "evil.example",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "https",
    });

    const redirectUri = new URL(response.location!).searchParams.get("redirect_uri");
    assert.equal(redirectUri, app.config.auth.redirectUri);
  });

  it("POST /auth/signout, with a forged Host, sends the configured post-logout URI", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await client.get(`${app.baseUrl}/`)).body)![1]!;

    const response = await client.postForm(
      `${app.baseUrl}/auth/signout`,
      { _csrf: csrf },
      { host: "evil.example" },
    );

    assert.equal(
      new URL(response.location!).searchParams.get("post_logout_redirect_uri"),
      app.config.auth.postLogoutRedirectUri,
    );
  });
});

describe("cookies for an https deployment behind a proxy", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      env: { REDIRECT_URI: "https://app.example/auth/redirect", TRUST_PROXY: "true" },
    });
  });
  after(() => app.close());

  it("GET /auth/signin, when the proxy says https, sets a Secure __Host- sign-in cookie and HSTS", async () => {
    const response = await app
      .newClient()
      .get(`${app.baseUrl}/auth/signin`, { "x-forwarded-proto": "https" });

    const cookie = response.headers["set-cookie"] ?? "";
    assert.match(cookie, /^__Host-signin\.[\w-]{12}=/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /Domain=/i);
    assert.match(response.headers["strict-transport-security"] ?? "", /max-age=\d+/);
  });
});
