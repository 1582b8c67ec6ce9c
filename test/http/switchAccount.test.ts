/**
 * Switch account: GET /auth/switch-account starts a sign-in at the provider's account picker
 * (prompt=select_account, no login hint), with every guarantee of a sign-in (state, PKCE, nonce, the
 * sign-in's own cookie, returnTo on this site) and without touching the session; the session is
 * replaced only when the new sign-in completes. DOMAIN_HINT goes out with every authorize request.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isSessionLive, readSessionRow, sessionIdFromCookie } from "../support/sessionRows.js";
import { authorizeAtTenant, parseLoginForm, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

const SWITCH = "/auth/switch-account";

describe("Switch account", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const sidOf = (client: TestClient) => sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
  const homeHeader = async (client: TestClient) => (await client.get(`${app.baseUrl}/`)).body;

  it("the header, for a signed-in user, links to Switch account next to Sign out; a visitor has no such link", async () => {
    const client = app.newClient();
    const before = await homeHeader(client);
    await signIn(app, client);

    const after = await homeHeader(client);

    assert.doesNotMatch(before, /Switch account/);
    assert.match(
      after,
      /<a href="\/auth\/switch-account">Switch account<\/a>\s*<form method="post" action="\/auth\/signout"/,
    );
  });

  it("GET /auth/switch-account, for a signed-in user, redirects to the account picker with PKCE, state and nonce, no login hint, and writes nothing", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const sid = sidOf(client);
    const stored = JSON.stringify(readSessionRow(app.sqlitePath, sid));
    app.resetCounts();

    const response = await client.get(`${app.baseUrl}${SWITCH}?returnTo=%2Fsession`);

    assert.equal(response.status, 302);
    const url = new URL(response.location!);
    assert.equal(`${url.origin}${url.pathname}`, `${app.tenant.authority}/oauth2/v2.0/authorize`);
    assert.equal(url.searchParams.get("prompt"), "select_account");
    assert.equal(url.searchParams.get("login_hint"), null, "no hint: Entra refuses one with select_account");
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.match(url.searchParams.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.match(url.searchParams.get("state") ?? "", /^[\w-]+\.\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    assert.match(url.searchParams.get("nonce") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.ok(
      Object.keys(client.cookies(app.baseUrl)).some((name) => name.startsWith("signin.")),
      "the sign-in's own cookie",
    );
    assert.equal(app.storeCalls.set, 0, "the session is not written");
    assert.equal(sidOf(client), sid, "same session");
    assert.equal(JSON.stringify(readSessionRow(app.sqlitePath, sid)), stored);
  });

  it("Switch account, completed with another account, replaces the session: a new id, the old one gone from the store, the new account shown", async () => {
    const [adele, alex] = app.tenant.users;
    const client = app.newClient();
    await signIn(app, client, { userOid: adele!.oid });
    const oldSid = sidOf(client);
    const oldRow = readSessionRow(app.sqlitePath, oldSid)!;
    assert.ok(oldRow.tokenCache, "the old account's token cache is stored");

    const back = await signIn(app, client, {
      signInPath: `${SWITCH}?returnTo=%2Fsession`,
      userOid: alex!.oid,
    });

    assert.equal(back.location, `${app.baseUrl}/session`);
    const newSid = sidOf(client);
    assert.notEqual(newSid, oldSid);
    assert.equal(isSessionLive(app.sqlitePath, oldSid), false, "the old session is gone");
    assert.equal(readSessionRow(app.sqlitePath, oldSid), undefined, "with its token cache");
    const newRow = readSessionRow(app.sqlitePath, newSid)!;
    assert.equal((newRow.account as { username: string }).username, alex!.userPrincipalName);
    assert.notEqual(newRow.tokenCache, oldRow.tokenCache);
    const page = await client.get(`${app.baseUrl}/session`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`Signed in as <strong>${alex!.displayName}</strong>`));
    assert.doesNotMatch(page.body, new RegExp(adele!.userPrincipalName));
  });

  it("Switch account, completed with the same account, renews the session as a sign-in does and keeps the account", async () => {
    const [adele] = app.tenant.users;
    const client = app.newClient();
    await signIn(app, client, { userOid: adele!.oid });
    const oldSid = sidOf(client);

    await signIn(app, client, { signInPath: SWITCH, userOid: adele!.oid });

    const newSid = sidOf(client);
    assert.notEqual(newSid, oldSid, "a new id, as every completed sign-in gets");
    assert.equal(readSessionRow(app.sqlitePath, oldSid), undefined);
    assert.equal(
      (readSessionRow(app.sqlitePath, newSid)!.account as { username: string }).username,
      adele!.userPrincipalName,
    );
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });

  it("Switch account, cancelled at the account picker, keeps the user signed in as before, in the same session", async () => {
    const [adele] = app.tenant.users;
    const client = app.newClient();
    await signIn(app, client, { userOid: adele!.oid });
    const sid = sidOf(client);
    const stored = JSON.stringify(readSessionRow(app.sqlitePath, sid));
    const start = await client.get(`${app.baseUrl}${SWITCH}`);
    const picker = await client.get(start.location!);
    const form = parseLoginForm(picker, start.location!);

    const cancelled = await client.postForm(form.action, { ...form.fields, cancel: "1" });
    const page = await client.get(cancelled.location!);

    assert.equal(page.status, 400);
    assert.match(page.body, /cancelled/);
    assert.match(page.body, new RegExp(`You are still signed in as ${adele!.userPrincipalName}`));
    assert.equal(sidOf(client), sid);
    assert.equal(JSON.stringify(readSessionRow(app.sqlitePath, sid)), stored, "the session is untouched");
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });

  it("Switch account, whose callback fails (a replayed answer), keeps the user signed in as before", async () => {
    const [adele, alex] = app.tenant.users;
    const client = app.newClient();
    await signIn(app, client, { userOid: adele!.oid });
    const sid = sidOf(client);
    const { callbackUrl } = await authorizeAtTenant(app, client, { signInPath: SWITCH, userOid: alex!.oid });
    // Another browser cannot use it (no sign-in cookie of its own): nothing changes for anyone.
    const elsewhere = await app.newClient().get(callbackUrl);
    assert.equal(elsewhere.status, 400);
    // This browser's sign-in cookie is still there; spoil the code instead.
    const spoiled = new URL(callbackUrl);
    spoiled.searchParams.set("code", "not-a-code");

    const page = await client.get(spoiled.href);

    assert.equal(page.status, 400);
    assert.equal(sidOf(client), sid);
    assert.equal(
      (readSessionRow(app.sqlitePath, sid)!.account as { username: string }).username,
      adele!.userPrincipalName,
    );
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });

  for (const [returnTo, expected] of [
    ["/session", "/session"],
    ["https://evil.example/", "/"],
    ["//evil.example/", "/"],
    ["/\\evil.example", "/"],
  ] as const) {
    it(`Switch account, asked to return to ${returnTo}, lands on ${expected}`, async () => {
      const client = app.newClient();
      await signIn(app, client);

      const back = await signIn(app, client, {
        signInPath: `${SWITCH}?returnTo=${encodeURIComponent(returnTo)}`,
        userOid: app.tenant.users[1]!.oid,
      });

      assert.equal(back.location, `${app.baseUrl}${expected}`);
    });
  }
});

describe("DOMAIN_HINT", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { DOMAIN_HINT: "Contoso.TEST" } });
  });
  after(() => app.close());

  for (const path of ["/auth/signin", SWITCH, "/auth/signin?returnTo=%2Fcalendar&scopes=Calendars.Read"]) {
    it(`GET ${path}, with DOMAIN_HINT set, sends domain_hint (lower-cased) to the authority`, async () => {
      const client = app.newClient();
      if (path === SWITCH) await signIn(app, client);

      const response = await client.get(`${app.baseUrl}${path}`);

      assert.equal(response.status, 302);
      assert.equal(new URL(response.location!).searchParams.get("domain_hint"), "contoso.test");
    });
  }

  it("a sign-in, with DOMAIN_HINT set, completes at the local tenant", async () => {
    const client = app.newClient();

    const back = await signIn(app, client, { returnTo: "/profile" });

    assert.equal(back.location, `${app.baseUrl}/profile`);
  });

  it("GET /auth/signin, without DOMAIN_HINT, sends no domain_hint", async () => {
    const plain = await startTestApp();
    try {
      const response = await plain.newClient().get(`${plain.baseUrl}/auth/signin`);

      assert.equal(new URL(response.location!).searchParams.get("domain_hint"), null);
    } finally {
      await plain.close();
    }
  });
});
