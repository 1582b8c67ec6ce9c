/**
 * The pages fit the CSP (no inline script or style it would have to allow), and input that is not what
 * a browser sends: repeated, oversized or malformed parameters get a clear 400, never a 500. The
 * headers themselves are checked on every kind of response in headerPolicy.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";

describe("pages under the CSP", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("GET / and /profile, when signed in, contain no inline script or style a strict CSP would have to allow", async () => {
    const client = app.newClient();
    await signIn(app, client);

    const bodies = [
      (await client.get(`${app.baseUrl}/`)).body,
      (await client.get(`${app.baseUrl}/profile`)).body,
    ];

    for (const body of bodies) {
      assert.doesNotMatch(body, /<script(?![^>]*\bsrc=)[^>]*>/i);
      assert.doesNotMatch(body, /\son\w+=/i, "no inline event handlers");
      assert.doesNotMatch(body, /<style/i);
    }
  });
});

describe("malformed input", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const cases: [string, string][] = [
    ["a repeated state", "/auth/redirect?state=a&state=b&code=c"],
    ["a repeated returnTo", "/auth/signin?returnTo=/a&returnTo=/b"],
    ["an oversized returnTo", `/auth/signin?returnTo=/${"a".repeat(3000)}`],
    ["an oversized code", `/auth/redirect?state=s&code=${"c".repeat(9000)}`],
    [
      "an oversized error_description",
      `/auth/redirect?state=s&error=x&error_description=${"d".repeat(3000)}`,
    ],
    ["a state that is an object", "/auth/redirect?state[a]=b&code=c"],
  ];
  for (const [what, path] of cases) {
    it(`GET ${path.slice(0, 40)}…, with ${what}, answers a clear 400 page`, async () => {
      const response = await app.newClient().get(`${app.baseUrl}${path}`);

      assert.equal(response.status, 400);
      assert.match(
        response.body,
        /<h1>(That request could not be understood|Sign-in did not complete)<\/h1>/,
      );
    });
  }

  it("POST /auth/signout, with an oversized or repeated form body, answers 4xx and keeps the session", async () => {
    const client = app.newClient();
    await signIn(app, client);

    const huge = await client.postForm(`${app.baseUrl}/auth/signout`, { _csrf: "x".repeat(10_000) });
    const repeated = await client.request("POST", `${app.baseUrl}/auth/signout`, "_csrf=a&_csrf=b", {
      "content-type": "application/x-www-form-urlencoded",
    });

    assert.equal(huge.status, 413);
    assert.equal(repeated.status, 400);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
  });
});
