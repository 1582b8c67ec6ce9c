/**
 * Open redirects, through the real app: whatever a link puts in `returnTo`, the Location the browser
 * finally gets after signing in is a path on this site; and no URL anyone can request makes the app
 * redirect anywhere but this site or the configured authority.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

const hostileReturnTo = [
  "/.//evil.example",
  "/./\\evil.example",
  "/%2e//evil.example",
  "/%2E%2E//evil.example",
  "/.%2e//evil.example",
  "/a/..//evil.example",
  "/a/b/../..//evil.example",
  "/%252e%252e//evil.example",
  "/%2F%2Fevil.example",
  "/%2f/evil.example",
  "/.%2F/evil.example",
  "/%5C%5Cevil.example",
  "/%5c/evil.example",
  "/%255c/evil.example",
  "/\\evil.example",
  "/\t/evil.example",
  "/%09/evil.example",
  "/%0a/evil.example",
  "/ /evil.example",
  "/\u3000/evil.example",
  "//evil.example",
  "///evil.example",
  "https://evil.example",
  "HTTPS://EVIL.example",
  "https:evil.example",
  "javascript:alert(1)",
  "\\\\evil.example",
  " //evil.example",
  "%2F%2Fevil.example",
  "/%",
];

describe("open redirects", () => {
  let app: TestApp;
  let client: TestClient;
  before(async () => {
    app = await startTestApp();
    client = app.newClient();
    await signIn(app, client);
  });
  after(() => app.close());

  const onSite = (location: string | undefined) => {
    assert.ok(location, "a redirect has a Location");
    const url = new URL(location, app.baseUrl);
    return url.origin === new URL(app.baseUrl).origin && !/^\/[/\\]/.test(url.pathname);
  };

  for (const returnTo of hostileReturnTo) {
    it(`sign-in, with returnTo ${JSON.stringify(returnTo)}, ends on a path of this site`, async () => {
      const back = await signIn(app, client, { returnTo });

      assert.equal(back.status, 303);
      assert.ok(onSite(back.headers.location), `Location: ${back.headers.location}`);
      assert.doesNotMatch(back.headers.location ?? "", /evil\.example/i);
    });
  }

  const requested = [
    "//evil.example",
    "//evil.example/profile",
    "/\\evil.example",
    "/assets",
    "/assets//evil.example",
    "/assets//evil.example/%2e%2e",
    "/assets/%2F%2Fevil.example",
    "/assets/..%2f..%2fevil.example",
    "/assets/%5Cevil.example/",
    "/profile/..%2f..%2f/evil.example",
    "/profile?returnTo=//evil.example",
    "/calendar?returnTo=https://evil.example",
    "/%2F%2Fevil.example/",
    "/auth/signin?returnTo=//evil.example",
    "/auth/redirect?state=x&code=y&returnTo=//evil.example",
  ];
  for (const path of requested) {
    for (const signedIn of [true, false]) {
      it(`GET ${path}, ${signedIn ? "signed in" : "signed out"}, redirects only to this site or the authority`, async () => {
        const who = signedIn ? client : app.newClient();

        const response = await who.request("GET", `${app.baseUrl}${path}`);

        if (response.status >= 300 && response.status < 400) {
          const location = response.headers.location;
          const toAuthority = location?.startsWith(`${app.config.auth.authority}/`) === true;
          assert.ok(toAuthority || onSite(location), `${path} → ${location}`);
        }
      });
    }
  }
});
