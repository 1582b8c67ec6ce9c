/**
 * The session store failing at the worst moment of a sign-in: the callback has redeemed the code and
 * cannot save the new session. Nobody may end up half signed in, the page must not claim otherwise,
 * and its "try again" must start a new sign-in rather than reload the one-time callback.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authorizeAtTenant } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";

describe("a session store that refuses writes during the callback", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET /auth/redirect, when the new session cannot be saved, answers 503 with a sign-in retry and no session", async () => {
    const client = app.newClient();
    const { callbackUrl } = await authorizeAtTenant(app, client, { returnTo: "/profile" });
    app.storeFaults.failWrites = true;

    const failed = await client.get(callbackUrl);
    app.storeFaults.failWrites = false;

    assert.equal(failed.status, 503);
    assert.equal(failed.headers["retry-after"], "5");
    assert.match(failed.body, /Your sign-in could not be saved just now/);
    assert.doesNotMatch(failed.body, /still signed in/, "nobody was signed in");
    assert.match(failed.body, /<a class="button" href="\/auth\/signin">Try again<\/a>/);
    assert.doesNotMatch(
      failed.headers["set-cookie"] ?? "",
      /(^|, )sid=/,
      "no cookie for a session that was never saved",
    );
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 303, "signed out");
    const log = app.logLines.join("\n");
    assert.match(log, /"level":50.*The session store failed while a sign-in was being completed/);
    assert.doesNotMatch(log, /could not be saved as the response ended/, "nothing is saved later either");
  });

  it("the page's Try again, once the store is back, signs the person in", async () => {
    const client = app.newClient();
    const { callbackUrl } = await authorizeAtTenant(app, client, { returnTo: "/profile" });
    app.storeFaults.failWrites = true;
    const failed = await client.get(callbackUrl);
    app.storeFaults.failWrites = false;
    const retry = /href="([^"]+)">Try again/.exec(failed.body)?.[1];

    const again = await authorizeAtTenant(app, client, { signInPath: retry! });
    const done = await client.get(again.callbackUrl);

    assert.equal(done.status, 303);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });
});
