/**
 * Incremental consent through the real flow: sign-in asks for User.Read only; the first visit to the
 * Calendar page (Calendars.Read) is refused by the tenant's token endpoint (consent_required), sends
 * the user through the tenant's consent page and back; afterwards both pages are served from the one
 * per-account cache without any identity-provider call.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { readStoredCache } from "../support/tokenCacheTools.js";

const CALENDAR_SIGN_IN = "/auth/signin?returnTo=%2Fcalendar&scopes=Calendars.Read";

function idpCalls(app: TestApp): number {
  const c = app.tenant.counters;
  return c.tokenAuthorizationCode + c.tokenRefresh + c.discovery;
}

describe("incremental consent for the Calendar page", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("sign-in asks only for User.Read; the first Calendar visit goes through consent and back, then both pages are silent", async () => {
    const client = app.newClient();
    const { authorizeUrl: firstAuthorize } = await authorizeAtTenant(app, client, { returnTo: "/profile" });
    assert.deepEqual(new URL(firstAuthorize).searchParams.get("scope")?.split(" ").sort(), [
      "User.Read",
      "offline_access",
      "openid",
      "profile",
    ]);
    await signIn(app, client, { returnTo: "/profile" });
    const username = (await client.get(`${app.baseUrl}/session`)).body;
    app.tenant.resetCounters();

    const first = await client.get(`${app.baseUrl}/calendar`);
    assert.equal(first.status, 303);
    assert.equal(first.location, `${app.baseUrl}${CALENDAR_SIGN_IN}`);
    // MSAL tried the refresh token for the new scope; the tenant refused it for want of consent.
    assert.equal(app.tenant.counters.tokenRefresh, 1);
    assert.equal(app.tenant.counters.tokenErrors, 1);
    assert.equal(app.tenant.counters.graphCalendar, 0);

    const { callbackUrl, authorizeUrl } = await authorizeAtTenant(app, client, {
      signInPath: first.location,
      consent: "accept",
    });
    const asked = new URL(authorizeUrl).searchParams;
    assert.ok(asked.get("scope")?.split(" ").includes("Calendars.Read"), asked.get("scope") ?? "");
    assert.ok(
      asked.get("login_hint") && username.includes(asked.get("login_hint")!),
      "the signed-in user is the hint",
    );
    const back = await client.get(callbackUrl);
    assert.equal(back.status, 303);
    assert.equal(back.location, `${app.baseUrl}/calendar`);

    const calendar = await client.get(`${app.baseUrl}/calendar`);
    assert.equal(calendar.status, 200, calendar.body.slice(0, 500));
    assert.match(calendar.body, /<li class="event"/);
    assert.equal(app.tenant.counters.graphCalendar, 1);

    // One per-account cache holds what both pages need.
    const cache = readStoredCache(app, client);
    const targets = Object.values(cache.AccessToken ?? {}).map((t) =>
      String((t as { target?: string }).target).toLowerCase(),
    );
    assert.ok(
      targets.some((t) => t.includes("calendars.read")),
      targets.join(" | "),
    );
    assert.ok(
      targets.some((t) => t.includes("user.read")),
      targets.join(" | "),
    );

    app.tenant.resetCounters();
    for (const path of ["/profile", "/calendar", "/profile", "/calendar"]) {
      const page = await client.get(`${app.baseUrl}${path}`);
      assert.equal(page.status, 200, `${path}: ${page.body.slice(0, 300)}`);
    }
    assert.equal(idpCalls(app), 0, "both pages served from the cache");
    assert.equal(app.tenant.counters.graphCalendar, 2);
    assert.equal(app.tenant.counters.graphMe, 2);
  });

  it("declining consent leaves the user signed in, with a page that says what was not granted", async () => {
    const client = app.newClient();
    await signIn(app, client, { returnTo: "/profile", userOid: app.tenant.users[2]!.oid });
    const first = await client.get(`${app.baseUrl}/calendar`);
    assert.equal(first.location, `${app.baseUrl}${CALENDAR_SIGN_IN}`);

    const { callbackUrl } = await authorizeAtTenant(app, client, {
      signInPath: first.location,
      consent: "cancel",
    });
    assert.equal(new URL(callbackUrl).searchParams.get("error"), "access_denied");
    const declined = await client.get(callbackUrl);
    assert.equal(declined.status, 400);
    assert.match(declined.body, /The permission was not granted \(Calendars\.Read\)/);

    const profile = await client.get(`${app.baseUrl}/profile`);
    assert.equal(profile.status, 200, "still signed in");
    assert.equal(
      (await client.get(`${app.baseUrl}/calendar`)).location,
      `${app.baseUrl}${CALENDAR_SIGN_IN}`,
      "asked again",
    );
  });

  it("a sign-in link can ask only for scopes a page of this app uses", async () => {
    const client = app.newClient();
    for (const scopes of ["Mail.Read", "Calendars.Read Mail.Read", "https://graph.microsoft.com/.default"]) {
      const refused = await client.get(
        `${app.baseUrl}/auth/signin?${new URLSearchParams({ scopes }).toString()}`,
      );
      assert.equal(refused.status, 400, scopes);
    }
    const canonical = await client.get(`${app.baseUrl}/auth/signin?scopes=calendars.read`);
    assert.equal(canonical.status, 302);
    assert.ok(new URL(canonical.location!).searchParams.get("scope")!.split(" ").includes("Calendars.Read"));
  });
});
