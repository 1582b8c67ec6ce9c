import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { readStoredCache } from "../support/tokenCacheTools.js";

describe("the profile photo and the Session page", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET /profile/photo, for a user with a Graph photo, sends the photo's bytes", async () => {
    const client = app.newClient();
    const user = app.tenant.users.find((u) => u.hasPhoto)!;
    await signIn(app, client, { userOid: user.oid });

    const photo = await client.get(`${app.baseUrl}/profile/photo`);

    assert.equal(photo.status, 200);
    assert.equal(photo.headers["content-type"], "image/png");
    assert.equal(photo.headers["cache-control"], "no-store", "one URL for every account: never reused");
    assert.equal(app.tenant.counters.graphPhoto > 0, true);
  });

  it("GET /profile/photo, for a user without a photo, sends an SVG of their initials", async () => {
    const client = app.newClient();
    const user = app.tenant.users.find((u) => !u.hasPhoto && !u.displayName.includes("<"))!;
    await signIn(app, client, { userOid: user.oid });

    const photo = await client.get(`${app.baseUrl}/profile/photo`);

    const initials = user.displayName
      .split(" ")
      .map((w) => w[0])
      .join("")
      .slice(0, 2);
    assert.equal(photo.status, 200);
    assert.match(photo.headers["content-type"] ?? "", /^image\/svg\+xml/);
    assert.match(photo.body, new RegExp(`>${initials}</text>`));
    assert.doesNotMatch(photo.body, /<script|on\w+=/i);
  });

  it("GET /session, for a signed-in user, describes the cache without any token value", async () => {
    const client = app.newClient();
    await signIn(app, client);
    const cache = readStoredCache(app, client);
    const secrets = Object.values(cache).flatMap((kind) =>
      Object.values(kind)
        .map((e) => e.secret)
        .filter(Boolean),
    );

    const page = await client.get(`${app.baseUrl}/session`);

    assert.equal(page.status, 200);
    for (const kind of ["Access token", "Refresh token", "ID token"])
      assert.match(page.body, new RegExp(`<td>${kind}</td>`));
    assert.match(page.body, /openid profile email User\.Read/);
    assert.match(page.body, /bytes as stored, encrypted/);
    assert.match(page.body, /<dt>Last written<\/dt><dd><time datetime="/);
    for (const secret of secrets) assert.ok(!page.body.includes(secret), "a token value is on the page");
  });

  it("GET /session, when signed out, sends the visitor to sign in", async () => {
    const response = await app.newClient().get(`${app.baseUrl}/session`);

    assert.equal(response.status, 303);
    assert.equal(response.location, `${app.baseUrl}/auth/signin?returnTo=%2Fsession`);
  });
});
