/**
 * GET /auth/frontchannel-logout?sid=…: what Entra's sign-out page loads in a hidden iframe, usually
 * without any cookie of ours. Through real sign-ins on both stores: every session signed in with that
 * Entra `sid` ends, others do not; an unknown `sid` gets the very same answer; malformed input ends
 * nothing; a store fault is a 503, never a crash.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";
import { sessionIdOf } from "../support/tokenCacheTools.js";

for (const store of ["sqlite", "redis"] as const) {
  describe(`front-channel sign-out, on ${store}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({
        env: store === "redis" ? { SESSION_STORE: "redis", REDIS_KEY_PREFIX: `test-${randomUUID()}:` } : {},
      });
    });
    after(() => app.close());

    /** One person, signed in afresh in each browser (each its own Entra session). */
    const person = () => app.tenant.users[2]!;
    const signInAfresh = async () => {
      const client = app.newClient();
      await signIn(app, client, { userOid: person().oid });
      return client;
    };
    /** This browser's stored account (read through the index, on either store). */
    const accountOf = async (client: TestClient) => {
      const session = sessionIdOf(app, client);
      const entries = await app.sessionIndex.sessionsOfAccount(`${person().oid}.${app.tenant.tenantId}`);
      const account = entries.find((entry) => entry.sessionId === session)?.data.account;
      assert.ok(account?.idTokenSid, "the session records its Entra sid");
      return { ...account, idTokenSid: account.idTokenSid };
    };
    const entraSidOf = async (client: TestClient) => (await accountOf(client)).idTokenSid;
    const isSignedIn = async (client: TestClient) => {
      const home = await client.get(`${app.baseUrl}/`);
      return home.body.includes('action="/auth/signout"');
    };
    /** What Entra's iframe sends: no cookie of ours (a fresh client), only the query. */
    const frontChannel = (query: string): Promise<TestResponse> =>
      app.newClient().get(`${app.baseUrl}/auth/frontchannel-logout${query}`);
    /** The answer without what differs per request by design. */
    const comparable = (response: TestResponse) => {
      const { date: _date, "x-request-id": _id, ...headers } = response.headers;
      return { status: response.status, headers, body: response.body };
    };

    it("GET /auth/frontchannel-logout, with the sid of one browser's Entra session, ends that browser's session only", async () => {
      const [laptop, phone] = [await signInAfresh(), await signInAfresh()];
      const laptopSid = await entraSidOf(laptop);

      const response = await frontChannel(`?sid=${encodeURIComponent(laptopSid)}`);

      assert.equal(response.status, 200);
      assert.equal(response.headers["cache-control"], "no-store");
      assert.equal(response.headers["set-cookie"], undefined, "no session is made for the iframe");
      assert.equal(await isSignedIn(laptop), false, "the laptop is signed out");
      assert.equal(await isSignedIn(phone), true, "the phone, another Entra session, is not");
      assert.deepEqual(await app.sessionIndex.sessionsOfIdTokenSid(laptopSid), []);
      const profile = await laptop.get(`${app.baseUrl}/profile`);
      assert.equal(profile.status, 303, "the laptop's next page asks it to sign in");
    });

    it("GET /auth/frontchannel-logout, sent with the browser's own session cookie, ends it and sets no cookie", async () => {
      const client = await signInAfresh();
      const sid = await entraSidOf(client);

      const response = await client.get(
        `${app.baseUrl}/auth/frontchannel-logout?sid=${encodeURIComponent(sid)}`,
      );

      assert.equal(response.status, 200);
      assert.equal(response.headers["set-cookie"], undefined);
      assert.equal(await isSignedIn(client), false);
    });

    it("GET /auth/frontchannel-logout, for a known and an unknown sid, answers exactly the same", async () => {
      const client = await signInAfresh();
      const sid = await entraSidOf(client);

      const unknown = await frontChannel(`?sid=${randomUUID()}`);
      const known = await frontChannel(`?sid=${encodeURIComponent(sid)}`);

      assert.deepEqual(comparable(known), comparable(unknown));
      assert.equal(await isSignedIn(client), false, "the known one did end a session");
    });

    it("GET /auth/frontchannel-logout, with an iss, ends only sessions of that issuer (and answers the same)", async () => {
      const client = await signInAfresh();
      const { idTokenSid: sid, issuer } = await accountOf(client);

      const other = await frontChannel(
        `?sid=${encodeURIComponent(sid)}&iss=${encodeURIComponent(`${issuer}x`)}`,
      );
      assert.equal(await isSignedIn(client), true, "another issuer's sid ends nothing");
      const same = await frontChannel(`?sid=${encodeURIComponent(sid)}&iss=${encodeURIComponent(issuer)}`);

      assert.deepEqual(comparable(other), comparable(same));
      assert.equal(await isSignedIn(client), false);
    });

    const malformed: [string, string][] = [
      ["no sid", ""],
      ["an empty sid", "?sid="],
      ["a repeated sid", "?sid=SID&sid=SID"],
      ["sid as an array", "?sid[]=SID"],
      ["sid as an object", "?sid[a]=SID"],
      ["a sid of 257 characters", `?sid=${"a".repeat(257)}`],
      ["a sid with a space", "?sid=SID%20x"],
      ["a sid with a newline", "?sid=SID%0A"],
      ["a sid with NUL", "?sid=SID%00"],
      ["a sid with non-ASCII", "?sid=SID%C3%A9"],
      ["a repeated iss", "?sid=SID&iss=a&iss=b"],
      ["an iss of 513 characters", `?sid=SID&iss=${"i".repeat(513)}`],
    ];
    for (const [what, query] of malformed) {
      it(`GET /auth/frontchannel-logout, with ${what}, answers 400 and ends nothing`, async () => {
        const client = await signInAfresh();
        const sid = await entraSidOf(client);

        const response = await frontChannel(query.replaceAll("SID", encodeURIComponent(sid)));

        assert.equal(response.status, 400, response.body.slice(0, 200));
        assert.equal(response.headers["cache-control"], "no-store");
        assert.equal(await isSignedIn(client), true);
      });
    }

    for (const fault of ["failIndex", "failDestroys"] as const) {
      it(`GET /auth/frontchannel-logout, when the store ${fault === "failIndex" ? "cannot look up" : "cannot delete"}, answers 503 and the process serves on`, async () => {
        const client = await signInAfresh();
        const sid = await entraSidOf(client);

        app.storeFaults[fault] = true;
        let response: TestResponse;
        try {
          response = await frontChannel(`?sid=${encodeURIComponent(sid)}`);
        } finally {
          app.storeFaults[fault] = false;
        }

        assert.equal(response.status, 503);
        assert.equal(response.headers["cache-control"], "no-store");
        assert.equal(await isSignedIn(client), true, "nothing ended; Entra's next sign-out can try again");
        assert.equal((await frontChannel(`?sid=${encodeURIComponent(sid)}`)).status, 200);
        assert.equal(await isSignedIn(client), false);
      });
    }
  });
}
