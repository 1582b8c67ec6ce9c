/**
 * Multi-tenant sign-in and guests through the real flow, with the local tenant's two directories
 * (Contoso and Fabrikam). The cache key is proven to be MSAL's home account id, not the ID token's
 * oid/tid: a B2B guest's differ.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  DEFAULT_TENANT_ID,
  SECOND_TENANT_GUEST_OID,
  SECOND_TENANT_ID,
  SECOND_TENANT_USERS,
  TEST_USERS,
} from "local-entra";
import { readSessionRow } from "../support/sessionRows.js";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";
import { dropAccessTokens, readStoredCache, sessionIdOf } from "../support/tokenCacheTools.js";

interface StoredAccount {
  homeAccountId: string;
  tenantId: string;
  objectId: string;
  issuer: string;
  username: string;
}

function storedAccount(app: TestApp, client: TestClient): StoredAccount {
  const row = readSessionRow(app.sqlitePath, sessionIdOf(app, client));
  assert.ok(row?.account, "a signed-in session");
  return row.account as StoredAccount;
}

/** Every entry of the stored cache (account, tokens) carries this home account id. */
function cacheHomeAccountIds(app: TestApp, client: TestClient): Set<string> {
  const cache = readStoredCache(app, client) as Record<string, Record<string, { home_account_id?: string }>>;
  const ids = new Set<string>();
  for (const section of ["Account", "IdToken", "AccessToken", "RefreshToken"]) {
    for (const entry of Object.values(cache[section] ?? {})) ids.add(String(entry.home_account_id));
  }
  return ids;
}

const contosoUser = TEST_USERS[0]!;
const fabrikamUser = SECOND_TENANT_USERS[0]!;
const guestHome = TEST_USERS[1]!;

describe("a multi-tenant app (TENANT_ID=organizations)", () => {
  let app: TestApp;
  let restricted: TestApp;
  before(async () => {
    app = await startTestApp({
      env: { TENANT_ID: "organizations" },
      registration: { signInAudience: "AzureADMultipleOrgs" },
    });
    restricted = await startTestApp({
      env: { TENANT_ID: "organizations", ALLOWED_TENANTS: DEFAULT_TENANT_ID },
      registration: { signInAudience: "AzureADMultipleOrgs" },
    });
  });
  after(async () => {
    await app.close();
    await restricted.close();
  });

  it("signs in users of both organizations, each in their home tenant, with the issuer checked against the template", async () => {
    for (const [user, tenantId] of [
      [contosoUser, DEFAULT_TENANT_ID],
      [fabrikamUser, SECOND_TENANT_ID],
    ] as const) {
      const client = app.newClient();
      await signIn(app, client, { userOid: user.oid, returnTo: "/profile" });
      const account = storedAccount(app, client);
      assert.equal(account.tenantId, tenantId);
      assert.equal(account.issuer, `${app.tenant.cloudInstance}${tenantId}/v2.0`);
      assert.equal(account.homeAccountId, `${user.oid}.${tenantId}`);
      const profile = await client.get(`${app.baseUrl}/profile`);
      assert.equal(profile.status, 200);
      assert.ok(profile.body.includes(user.userPrincipalName), user.userPrincipalName);
    }
  });

  it("with ALLOWED_TENANTS, refuses another organization's user and keeps no session for them", async () => {
    const outsider = restricted.newClient();
    const { callbackUrl } = await authorizeAtTenant(restricted, outsider, { userOid: fabrikamUser.oid });
    const refused = await outsider.get(callbackUrl);
    assert.equal(refused.status, 400);
    assert.match(refused.body, /organization not allowed/);
    const profile = await outsider.get(`${restricted.baseUrl}/profile`);
    assert.equal(profile.status, 303, "not signed in");

    const member = restricted.newClient();
    await signIn(restricted, member, { userOid: contosoUser.oid });
    assert.equal((await member.get(`${restricted.baseUrl}/profile`)).status, 200);
  });
});

describe("a guest signing in to another organization's app", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      env: { TENANT_ID: SECOND_TENANT_ID },
      registration: { homeTenantId: SECOND_TENANT_ID },
    });
  });
  after(() => app.close());

  it("keys the session's cache by the guest's home account id, not the ID token's oid and tid, and refreshes under it", async () => {
    const client = app.newClient();
    await signIn(app, client, { userOid: guestHome.oid, returnTo: "/profile" });

    const account = storedAccount(app, client);
    const homeAccountId = `${guestHome.oid}.${DEFAULT_TENANT_ID}`;
    assert.equal(account.homeAccountId, homeAccountId, "home account: Contoso's Alex");
    assert.equal(
      account.objectId,
      SECOND_TENANT_GUEST_OID,
      "the ID token names the guest object in Fabrikam",
    );
    assert.equal(account.tenantId, SECOND_TENANT_ID);
    assert.equal(account.issuer, `${app.tenant.cloudInstance}${SECOND_TENANT_ID}/v2.0`);
    assert.notEqual(account.homeAccountId, `${account.objectId}.${account.tenantId}`);
    assert.deepEqual([...cacheHomeAccountIds(app, client)], [homeAccountId]);

    const profile = await client.get(`${app.baseUrl}/profile`);
    assert.equal(profile.status, 200);
    assert.match(profile.body, /#EXT#@fabrikam\.test/, "Graph answers Fabrikam's guest object");

    dropAccessTokens(app, client);
    app.tenant.resetCounters();
    const refreshed = await client.get(`${app.baseUrl}/profile`);
    assert.equal(refreshed.status, 200, refreshed.body.slice(0, 300));
    assert.equal(app.tenant.counters.tokenRefresh, 1);
    assert.deepEqual(storedAccount(app, client), account, "same identity after the refresh");
    assert.deepEqual([...cacheHomeAccountIds(app, client)], [homeAccountId]);
    app.tenant.resetCounters();
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    assert.equal(app.tenant.counters.tokenRefresh + app.tenant.counters.tokenAuthorizationCode, 0);
  });

  it("the guest's Calendar page, after consent, says there is no mailbox here instead of a generic failure", async () => {
    const client = app.newClient();
    await signIn(app, client, { userOid: guestHome.oid, returnTo: "/profile" });
    const first = await client.get(`${app.baseUrl}/calendar`);
    assert.equal(first.status, 303);
    const back = await signIn(app, client, { signInPath: first.location!, consent: "accept" });
    assert.equal(back.location, `${app.baseUrl}/calendar`);

    const calendar = await client.get(`${app.baseUrl}/calendar`);
    assert.equal(calendar.status, 404);
    assert.match(calendar.body, /This account has no mailbox in this organization/);
    assert.equal(app.tenant.counters.graphCalendar, 1, "Graph was asked (and answered 404)");
  });
});
