/**
 * Two tabs of one browser signing in at once, on both stores: each tab's sign-in must complete, in
 * any order and at any timing, whether the browser had no session yet (each cookieless start used to
 * create its own session, and the last cookie won) or already had one (parallel starts used to
 * overwrite each other's pending sign-in in the shared session).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { authorizeAtTenant, signIn, startSignIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient, TestResponse } from "../support/testClient.js";

const REPETITIONS = 8;

interface Tab {
  returnTo: string;
  start(): Promise<string>;
  finish(authorizeUrl: string): Promise<TestResponse>;
}

function tab(app: TestApp, client: TestClient, returnTo: string): Tab {
  return {
    returnTo,
    start: () => startSignIn(app, client, { returnTo }),
    finish: async (authorizeUrl) => {
      const { callbackUrl } = await authorizeAtTenant(app, client, { authorizeUrl });
      return client.get(callbackUrl);
    },
  };
}

/** How the two tabs' steps interleave; each returns both tabs' callback answers. */
const schedules: [string, (a: Tab, b: Tab) => Promise<TestResponse[]>][] = [
  [
    "both start together, A completes first",
    async (a, b) => {
      const [urlA, urlB] = await Promise.all([a.start(), b.start()]);
      return [await a.finish(urlA), await b.finish(urlB)];
    },
  ],
  [
    "both start together, B completes first",
    async (a, b) => {
      const [urlA, urlB] = await Promise.all([a.start(), b.start()]);
      const second = await b.finish(urlB);
      return [await a.finish(urlA), second];
    },
  ],
  [
    "both start together and complete together",
    async (a, b) => {
      const [urlA, urlB] = await Promise.all([a.start(), b.start()]);
      return Promise.all([a.finish(urlA), b.finish(urlB)]);
    },
  ],
  [
    "B starts while A completes",
    async (a, b) => {
      const urlA = await a.start();
      const [answerA, urlB] = await Promise.all([a.finish(urlA), b.start()]);
      return [answerA, await b.finish(urlB)];
    },
  ],
];

for (const store of ["sqlite", "redis"] as const) {
  describe(`two tabs signing in at once, on ${store}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({
        env: store === "redis" ? { SESSION_STORE: "redis", REDIS_KEY_PREFIX: `test-${randomUUID()}:` } : {},
      });
    });
    after(() => app.close());

    for (const signedInBefore of [false, true]) {
      for (const [timing, schedule] of schedules) {
        const browser = signedInBefore ? "a signed-in browser" : "a fresh browser";
        it(`two sign-ins, in ${browser} when ${timing}, both complete ${REPETITIONS} times out of ${REPETITIONS}`, async () => {
          const outcomes: string[] = [];
          for (let run = 0; run < REPETITIONS; run += 1) {
            const client = app.newClient();
            if (signedInBefore) await signIn(app, client);
            const a = tab(app, client, `/profile?tab=a${run}`);
            const b = tab(app, client, `/calendar?tab=b${run}`);

            const answers = await schedule(a, b);

            outcomes.push(answers.map((answer) => `${answer.status} ${answer.location ?? ""}`).join(" | "));
            const expected = [a, b].map((t) => `303 ${app.baseUrl}${t.returnTo}`).join(" | ");
            assert.equal(outcomes.at(-1), expected, `run ${run + 1}: ${outcomes.join("; ")}`);
            assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
          }
        });
      }
    }
  });
}
