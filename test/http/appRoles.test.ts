/**
 * App roles: the ID token's `roles` claim is recorded in the session at sign-in and kept current at a
 * refresh; GET /admin (the operator page) opens only to holders of ADMIN_ROLE: a visitor goes through
 * sign-in, a signed-in account without the role gets the 403 page. The page shows the service's
 * state, counts only: no secret, no session id, no one's name. Against the local tenant, whose
 * registrations carry app roles and their members (LocalTenantClient.appRoles).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LocalTenantAppRole } from "local-entra";
import { startMovableClock } from "../support/movableClock.js";
import type { MovableClock } from "../support/movableClock.js";
import { readSessionRow, rewriteSession, sessionIdFromCookie } from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

const sidOf = (app: TestApp, client: TestClient) => sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
const storedRoles = (app: TestApp, client: TestClient) =>
  (readSessionRow(app.sqlitePath, sidOf(app, client))!.account as { roles?: unknown }).roles;
const ADMIN_LINK = '<a href="/admin">Admin</a>';

function assignRoles(app: TestApp, appRoles: LocalTenantAppRole[]): void {
  app.tenant.updateClient(app.config.auth.clientId, { appRoles });
}

describe("GET /admin and the roles claim", () => {
  let app: TestApp;
  let adele: TestClient;
  let alex: TestClient;
  before(async () => {
    app = await startTestApp();
    const [adeleUser] = app.tenant.users;
    assignRoles(app, [
      { value: "Admin", memberOids: [adeleUser!.oid] },
      { value: "Reader", memberOids: [adeleUser!.oid, app.tenant.users[1]!.oid] },
    ]);
    adele = app.newClient();
    alex = app.newClient();
    await signIn(app, adele, { userOid: adeleUser!.oid });
    await signIn(app, alex, { userOid: app.tenant.users[1]!.oid });
  });
  after(() => app.close());

  it("sign-in, for a member of two app roles, records both in the session's account", () => {
    assert.deepEqual(storedRoles(app, adele), ["Admin", "Reader"]);
    assert.deepEqual(storedRoles(app, alex), ["Reader"]);
  });

  it("GET /admin, for a holder of the Admin role, shows the service's state, never cached", async () => {
    const page = await adele.get(`${app.baseUrl}/admin`);

    assert.equal(page.status, 200, page.body.slice(0, 300));
    assert.equal(page.headers["cache-control"], "no-store");
    assert.match(page.body, /<h1>Service state<\/h1>/);
    assert.match(page.body, /id="store-kind">SQLite</);
    assert.match(page.body, /id="store-health">up /);
    assert.match(page.body, /id="store-sessions">2</, "two signed-in browsers");
    assert.match(page.body, /id="credential-kind">client secret</);
    assert.match(page.body, /id="credential-expiry">not known to the app/);
    assert.match(page.body, /id="version">0\.1\.0</);
    assert.match(page.body, /id="signins">2 completed, 0 failed</);
    assert.match(page.body, /<tr id="tokens">\s*<td>\d+<\/td>/);
  });

  it("GET /admin, for a holder of the role, shows no secret, no session id and no one's name", async () => {
    const page = await adele.get(`${app.baseUrl}/admin`);

    const secrets = {
      "the client secret": app.clientSecret,
      "the session secret": app.config.session.secrets[0]!,
      "the token-cache key": app.config.session.tokenCacheKeys[0]!.secret.toString("base64"),
      "Adele's session id": sidOf(app, adele),
      "Alex's session id": sidOf(app, alex),
      "Adele's username": app.tenant.users[0]!.userPrincipalName,
      "Alex's name": app.tenant.users[1]!.displayName,
      "Alex's username": app.tenant.users[1]!.userPrincipalName,
      "a home account id": app.tenant.users[1]!.oid,
    };
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(!page.body.includes(value), `${what} is on the page`);
    }
  });

  it("GET /admin, for a signed-in account without the role, answers the 403 page naming the role, with a reference", async () => {
    const page = await alex.get(`${app.baseUrl}/admin`);

    assert.equal(page.status, 403);
    assert.equal(page.headers["cache-control"], "no-store");
    assert.match(page.body, /<h1>You don&#39;t have access to this page<\/h1>/);
    assert.match(page.body, /app role &#34;Admin&#34;/);
    assert.match(page.body, /give them this reference: <code>[\w-]{8,}<\/code> \(HTTP 403\)/);
    assert.match(page.body, /class="skip-link"/, "the same layout");
    assert.match(page.body, /Signed in as <strong>Alex Wilber<\/strong>/);
    assert.doesNotMatch(page.body, /Service state/);
  });

  it("GET /admin, for a visitor, sends them through sign-in and back to /admin", async () => {
    const response = await app.newClient().get(`${app.baseUrl}/admin`);

    assert.equal(response.status, 303);
    assert.equal(response.location, `${app.baseUrl}/auth/signin?returnTo=%2Fadmin`);
  });

  it("the header, links to /admin only for holders of the role", async () => {
    const pages = {
      holder: (await adele.get(`${app.baseUrl}/profile`)).body,
      other: (await alex.get(`${app.baseUrl}/profile`)).body,
      visitor: (await app.newClient().get(`${app.baseUrl}/`)).body,
    };

    assert.ok(pages.holder.includes(ADMIN_LINK));
    assert.ok(!pages.other.includes(ADMIN_LINK));
    assert.ok(!pages.visitor.includes(ADMIN_LINK));
  });

  for (const [what, roles] of [
    ["a string", "Admin"],
    ["an object", { 0: "Admin" }],
    ["a nested list", [["Admin"]]],
    ["a list with a number", ["Admin", 7]],
    ["a role too long", ["Admin", "A".repeat(5000)]],
  ] as const) {
    it(`GET /admin, when the stored session's roles are ${what}, answers 403 (no role), not an error`, async () => {
      const client = app.newClient();
      await signIn(app, client, { userOid: app.tenant.users[0]!.oid });
      rewriteSession(app.sqlitePath, sidOf(app, client), (session) => {
        (session.account as Record<string, unknown>).roles = roles;
      });

      const page = await client.get(`${app.baseUrl}/admin`);

      assert.equal(page.status, 403);
      assert.ok(!page.body.includes(ADMIN_LINK));
    });
  }

  it("GET /admin, when the store's probe and count fail but sessions still load, renders with health down and no count", async () => {
    app.storeFaults.failPingAndCount = true;
    try {
      const page = await adele.get(`${app.baseUrl}/admin`);

      assert.equal(page.status, 200);
      assert.match(page.body, /id="store-health">down /);
      assert.match(page.body, /id="store-sessions">unavailable/);
    } finally {
      app.storeFaults.failPingAndCount = false;
    }
  });
});

describe("the roles claim, when the tenant sends values that are not app role values", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  // The tenant takes any value without spaces, as Entra's API once did; the app believes none of them.
  const hostile: [what: string, others: string[]][] = [
    ["a value of 121 characters", ["A".repeat(121)]],
    ["a value of 5,000 characters", ["B".repeat(5000)]],
    ["a value with a double quote", ['x"y']],
    ["a non-ASCII value", ["Ädmin"]],
    ["201 roles", Array.from({ length: 201 }, (_, i) => `R${i}`)],
  ];
  for (const [what, others] of hostile) {
    it(`sign-in, with Admin and ${what} in the roles claim, records no role, logs it, and /admin answers 403`, async () => {
      const user = app.tenant.users[0]!;
      assignRoles(app, [
        { value: "Admin", memberOids: [user.oid] },
        ...others.map((value) => ({ value, memberOids: [user.oid] })),
      ]);
      const client = app.newClient();
      const logged = app.logLines.length;

      await signIn(app, client, { userOid: user.oid });
      const page = await client.get(`${app.baseUrl}/admin`);

      assert.equal(storedRoles(app, client), undefined);
      assert.equal(page.status, 403);
      const log = app.logLines.slice(logged).join("\n");
      assert.match(log, /roles claim ignored/);
      assert.ok(!log.includes(others[0]!.slice(0, 50)), "the log names no value");
    });
  }
});

describe("ADMIN_ROLE, renamed", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { ADMIN_ROLE: "Ops.Admin" } });
    const [first, second] = app.tenant.users;
    assignRoles(app, [
      { value: "Admin", memberOids: [first!.oid] },
      { value: "Ops.Admin", memberOids: [second!.oid] },
    ]);
  });
  after(() => app.close());

  for (const [who, index, status] of [
    ["a holder of Ops.Admin", 1, 200],
    ["a holder of Admin only", 0, 403],
  ] as const) {
    it(`GET /admin, with ADMIN_ROLE=Ops.Admin, for ${who}, answers ${status}`, async () => {
      const client = app.newClient();
      await signIn(app, client, { userOid: app.tenant.users[index]!.oid });

      const page = await client.get(`${app.baseUrl}/admin`);

      assert.equal(page.status, status);
      if (status === 403) assert.match(page.body, /app role &#34;Ops\.Admin&#34;/);
      assert.equal(page.body.includes(ADMIN_LINK), status === 200);
    });
  }
});

describe("the roles claim across a token refresh", () => {
  // As in signInFlow.test.ts: Date moves for the app, MSAL and the tenant; a 1-hour token is expired
  // for MSAL 3,301 s after it was issued.
  const surelyExpiredAfterMs = (3600 - 300 + 1) * 1000;
  let clock: MovableClock;
  let app: TestApp;
  before(async () => {
    clock = startMovableClock();
    app = await startTestApp({ tenant: { accessTokenLifetimeSeconds: 3600 } });
  });
  after(async () => {
    await app.close();
    clock.restore();
  });

  it("a refresh, after the role is assigned at the tenant, records it: /admin opens without a new sign-in", async () => {
    const user = app.tenant.users[2]!;
    const client = app.newClient();
    await signIn(app, client, { userOid: user.oid });
    assert.equal((await client.get(`${app.baseUrl}/admin`)).status, 403);
    assignRoles(app, [{ value: "Admin", memberOids: [user.oid] }]);
    clock.advance(surelyExpiredAfterMs);
    app.resetCounts();

    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    const admin = await client.get(`${app.baseUrl}/admin`);

    assert.equal(app.tenant.counters.tokenRefresh, 1);
    assert.deepEqual(storedRoles(app, client), ["Admin"]);
    assert.equal(admin.status, 200);
  });

  it("a refresh, after the role is removed at the tenant, drops it: /admin closes", async () => {
    const user = app.tenant.users[3]!;
    assignRoles(app, [{ value: "Admin", memberOids: [user.oid] }]);
    const client = app.newClient();
    await signIn(app, client, { userOid: user.oid });
    assert.equal((await client.get(`${app.baseUrl}/admin`)).status, 200);
    assignRoles(app, []);
    clock.advance(surelyExpiredAfterMs);

    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    const admin = await client.get(`${app.baseUrl}/admin`);

    assert.equal(storedRoles(app, client), undefined);
    assert.equal(admin.status, 403);
  });

  it("a refresh, with the roles unchanged, leaves the session unwritten beyond the new cache", async () => {
    const user = app.tenant.users[0]!;
    assignRoles(app, [{ value: "Admin", memberOids: [user.oid] }]);
    const client = app.newClient();
    await signIn(app, client, { userOid: user.oid });
    clock.advance(surelyExpiredAfterMs);
    app.resetCounts();
    const logged = app.logLines.length;

    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);

    assert.equal(app.tenant.counters.tokenRefresh, 1);
    assert.equal(app.storeCalls.set, 1, "one write: the refreshed cache");
    assert.deepEqual(storedRoles(app, client), ["Admin"]);
    assert.ok(!app.logLines.slice(logged).some((line) => line.includes("app roles changed")));
  });
});
