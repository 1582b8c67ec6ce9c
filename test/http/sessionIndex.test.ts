/**
 * The index of sessions, through real sign-ins: each session records its account and its ID token's
 * `sid` (Entra's session, the same for every app signed in through it), and the store finds every live
 * session of an account, or of a `sid`, without any cookie. On SQLite and on Redis.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { idsOf } from "../session/storeContract.js";
import { readSessionRow } from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";
import { dropAccessTokens, sessionIdOf } from "../support/tokenCacheTools.js";

for (const store of ["sqlite", "redis"] as const) {
  describe(`the session index, on ${store}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({
        env: store === "redis" ? { SESSION_STORE: "redis", REDIS_KEY_PREFIX: `test-${randomUUID()}:` } : {},
      });
    });
    after(() => app.close());

    /** The client's session id, checked to be found by its account. */
    const indexedSessionOf = async (client: TestClient) => {
      const session = sessionIdOf(app, client);
      assert.ok(idsOf(await app.sessionIndex.sessionsOfAccount(homeAccountId())).includes(session));
      return session;
    };
    const homeAccountId = () => `${app.tenant.users[2]!.oid}.${app.tenant.tenantId}`;

    it("sign-in, in two browsers of one person, indexes both sessions by account and each by its own Entra sid", async () => {
      const user = app.tenant.users[2]!;
      const [laptop, phone] = [app.newClient(), app.newClient()];
      await signIn(app, laptop, { userOid: user.oid });
      await signIn(app, phone, { userOid: user.oid });
      const [laptopSession, phoneSession] = [await indexedSessionOf(laptop), await indexedSessionOf(phone)];

      const ofAccount = idsOf(await app.sessionIndex.sessionsOfAccount(homeAccountId()));
      assert.deepEqual([...ofAccount].sort(), [laptopSession, phoneSession].sort());
      if (store === "sqlite") {
        const account = readSessionRow(app.sqlitePath, laptopSession)!.account as { idTokenSid?: string };
        assert.match(account.idTokenSid ?? "", /^[0-9a-f-]{36}$/, "the ID token's sid is kept");
        assert.deepEqual(idsOf(await app.sessionIndex.sessionsOfIdTokenSid(account.idTokenSid!)), [
          laptopSession,
        ]);
      }
    });

    it("the index, after a sign-out, no longer finds that browser's session", async () => {
      const client = app.newClient();
      await signIn(app, client, { userOid: app.tenant.users[2]!.oid });
      const session = sessionIdOf(app, client);
      const home = await client.get(`${app.baseUrl}/`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;

      await client.postForm(`${app.baseUrl}/auth/signout`, { _csrf: csrf });

      assert.ok(!idsOf(await app.sessionIndex.sessionsOfAccount(homeAccountId())).includes(session));
    });

    if (store === "sqlite") {
      it("the ID token's sid, after a refresh, stays the same (Entra keeps the session)", async () => {
        const client = app.newClient();
        await signIn(app, client, { userOid: app.tenant.users[2]!.oid });
        const session = sessionIdOf(app, client);
        const before = (readSessionRow(app.sqlitePath, session)!.account as { idTokenSid: string })
          .idTokenSid;
        dropAccessTokens(app, client);

        assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);

        assert.ok(app.tenant.counters.tokenRefresh > 0);
        assert.deepEqual(idsOf(await app.sessionIndex.sessionsOfIdTokenSid(before)), [session]);
      });
    }
  });
}
