/**
 * A sign-out must not be undone by a request that was still running: a /profile that refreshed its
 * token and is still waiting on Graph when the user signs out used to save the whole session back as
 * it ended, and send the old session cookie again. The same for every other way a session ends while
 * its page runs: sign out everywhere, ended from another browser, Entra's front-channel sign-out. On
 * both stores, and across two instances on Redis.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createClient } from "redis";
import { readSessionRow, rewriteSession, sessionIdFromCookie } from "../support/sessionRows.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";
import { sessionHandle } from "../../src/session/accountSessions.js";
import { idsOf } from "../session/storeContract.js";

const REDIS_URL = "redis://127.0.0.1:6379";
type RedisClient = ReturnType<typeof createClient>;

interface Deployment {
  /** Where the late request runs, and where the user signs out (the same app, or two instances). */
  slow: TestApp;
  signOut: TestApp;
  /** The stored session, or undefined when the store no longer has it. */
  stored(sid: string): Promise<Record<string, unknown> | undefined>;
  /** Drops the cached access tokens, so that the next page must refresh (and so write the session). */
  dropAccessTokens(sid: string): Promise<void>;
  close(): Promise<void>;
}

function withoutAccessTokens(app: TestApp, session: Record<string, unknown>): void {
  const home = (session.account as { homeAccountId: string }).homeAccountId;
  const cache = JSON.parse(app.cipher.open(session.tokenCache, home)) as Record<string, unknown>;
  cache.AccessToken = {};
  session.tokenCache = app.cipher.seal(JSON.stringify(cache), home);
}

async function sqliteDeployment(): Promise<Deployment> {
  const app = await startTestApp();
  return {
    slow: app,
    signOut: app,
    stored: (sid) => Promise.resolve(readSessionRow(app.sqlitePath, sid)),
    dropAccessTokens: (sid) => {
      rewriteSession(app.sqlitePath, sid, (session) => withoutAccessTokens(app, session));
      return Promise.resolve();
    },
    close: () => app.close(),
  };
}

async function redisDeployment(): Promise<Deployment> {
  const prefix = `test-${randomUUID()}:`;
  const env = { SESSION_STORE: "redis", REDIS_URL, REDIS_KEY_PREFIX: prefix };
  const a = await startTestApp({ env });
  const b = await startTestApp({ env, sibling: a });
  const redis: RedisClient = createClient({ url: REDIS_URL });
  await redis.connect();
  const read = async (sid: string) => {
    const text = await redis.get(`${prefix}${sid}`);
    return text === null ? undefined : (JSON.parse(text) as Record<string, unknown>);
  };
  return {
    slow: b,
    signOut: a,
    stored: read,
    dropAccessTokens: async (sid) => {
      const session = (await read(sid))!;
      withoutAccessTokens(a, session);
      await redis.set(`${prefix}${sid}`, JSON.stringify(session), { KEEPTTL: true });
    },
    close: async () => {
      for (const key of await redis.keys(`${prefix}*`)) await redis.del(key);
      await redis.close();
      await b.close();
      await a.close();
    },
  };
}

async function csrfTokenOf(app: TestApp, client: TestClient): Promise<string> {
  const home = await client.get(`${app.baseUrl}/`);
  const token = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1];
  assert.ok(token, "a signed-in page has the sign-out form");
  return token;
}

/** Waits, by polling the tenant's counter, until the slow request has reached Graph (bounded). */
async function untilGraphCalled(app: TestApp, before: number): Promise<void> {
  for (let i = 0; i < 500 && app.tenant.counters.graphMe <= before; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(app.tenant.counters.graphMe > before, "the slow request reached Graph");
}

for (const [store, open] of [
  ["SQLite", sqliteDeployment],
  ["Redis, two instances", redisDeployment],
] as const) {
  describe(`a sign-out while a page is still running, on ${store}`, () => {
    let deployment: Deployment;
    before(async () => {
      deployment = await open();
    });
    after(() => deployment.close());

    /** Each way a session can be ended while its browser's page is still running. */
    type End = (ctx: { client: TestClient; sid: string; csrf: string }) => Promise<TestResponse>;
    const endings: [how: string, end: End][] = [
      [
        "its browser signs out",
        ({ client, csrf }) => client.postForm(`${deployment.signOut.baseUrl}/auth/signout`, { _csrf: csrf }),
      ],
      [
        "another browser of the account signs out everywhere",
        async () => {
          const laptop = deployment.signOut.newClient();
          await signIn(deployment.signOut, laptop);
          const csrf = await csrfTokenOf(deployment.signOut, laptop);
          return laptop.postForm(`${deployment.signOut.baseUrl}/auth/signout/everywhere`, { _csrf: csrf });
        },
      ],
      [
        "another browser of the account ends it from the Session page",
        async ({ sid }) => {
          const laptop = deployment.signOut.newClient();
          await signIn(deployment.signOut, laptop);
          const csrf = await csrfTokenOf(deployment.signOut, laptop);
          return laptop.postForm(`${deployment.signOut.baseUrl}/auth/sessions/end`, {
            _csrf: csrf,
            session: sessionHandle(sid),
          });
        },
      ],
      [
        "Entra's front-channel sign-out names its sid",
        async ({ sid }) => {
          const account = (await deployment.stored(sid))?.account as { idTokenSid: string };
          const url = `${deployment.signOut.baseUrl}/auth/frontchannel-logout?sid=${account.idTokenSid}`;
          return deployment.signOut.newClient().get(url);
        },
      ],
    ];

    for (const [how, end] of endings) {
      it(`a /profile that refreshed its token and waits on Graph, ending after ${how}, neither brings the session back nor sends its cookie again`, async () => {
        const { slow, signOut } = deployment;
        const client = slow.newClient();
        await signIn(slow, client);
        const sid = sessionIdFromCookie(client.cookie(slow.baseUrl, "sid")!);
        const home = ((await deployment.stored(sid))?.account as { homeAccountId: string }).homeAccountId;
        const csrf = await csrfTokenOf(signOut, client);
        await deployment.dropAccessTokens(sid);
        slow.tenant.faults.graph = { hang: true, times: 1 };
        const graphCalls = slow.tenant.counters.graphMe;
        const refreshes = slow.tenant.counters.tokenRefresh;

        const late = client.get(`${slow.baseUrl}/profile`);
        await untilGraphCalled(slow, graphCalls);
        const ended = await end({ client, sid, csrf });
        const lateAnswer = await late;

        assert.ok([200, 303].includes(ended.status), `ended: ${ended.status}`);
        assert.ok(slow.tenant.counters.tokenRefresh > refreshes, "the late request refreshed its token");
        assert.doesNotMatch(
          lateAnswer.headers["set-cookie"] ?? "",
          /(^|, )sid=/,
          "the old cookie is not sent again",
        );
        assert.equal(await deployment.stored(sid), undefined, "the session stays destroyed");
        assert.ok(
          !idsOf(await signOut.sessionIndex.sessionsOfAccount(home)).includes(sid),
          "the index does not find it again",
        );
        assert.equal(
          (await client.get(`${slow.baseUrl}/profile`)).status,
          303,
          "the browser stays signed out",
        );
      });
    }
  });
}
