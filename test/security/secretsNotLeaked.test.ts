/**
 * No token, authorization code, client secret or session id reaches the logs or anything the app
 * sends to the browser (besides the session cookie itself), across a day's worth of traffic: sign-in,
 * profile, refresh, errors and sign-out. The local tenant marks its codes (LTCODE.) and refresh tokens
 * (LTRT.), and JWTs are recognisable, so the search also catches values the test never saw.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CODE_PREFIX, REFRESH_TOKEN_PREFIX } from "local-entra";
import { authorizeAtTenant } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { dropAccessTokens, readStoredCache, sessionIdOf } from "../support/tokenCacheTools.js";

const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\./;

describe("secrets in logs and responses", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it("the logs and the app's responses, after sign-in, refresh, errors and sign-out, hold no secret", async () => {
    const client = app.newClient();
    const secrets = new Set<string>([app.clientSecret]);
    const { callbackUrl } = await authorizeAtTenant(app, client, { returnTo: "/profile" });
    secrets.add(new URL(callbackUrl).searchParams.get("code")!);
    await client.get(callbackUrl);
    secrets.add(sessionIdOf(app, client));
    await client.get(`${app.baseUrl}/profile`);
    dropAccessTokens(app, client);
    await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = { status: 500 };
    await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = { status: 401 };
    await client.get(`${app.baseUrl}/profile`);
    app.tenant.faults.graph = null;
    app.tenant.faults.token = { status: 400, grantType: "refresh_token", times: 1 };
    dropAccessTokens(app, client);
    await client.get(`${app.baseUrl}/profile`);
    for (const kind of Object.values(readStoredCache(app, client))) {
      for (const entry of Object.values(kind)) if (entry.secret) secrets.add(entry.secret);
    }
    const home = await client.get(`${app.baseUrl}/`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1] ?? "";
    await client.postForm(`${app.baseUrl}/auth/signout`, { _csrf: csrf });

    const appResponses = client.transcript
      .filter(({ url }) => url.startsWith(app.baseUrl))
      .map(({ response }) => {
        const { "set-cookie": _sessionCookie, ...headers } = response.headers;
        return `${JSON.stringify(headers)}\n${response.body}`;
      });
    const haystacks = { logs: app.logLines.join("\n"), responses: appResponses.join("\n") };

    // The client secret, the code, the session id and at least two tokens.
    assert.ok(secrets.size >= 5, `secrets collected: ${secrets.size}`);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the ${where}`);
      assert.ok(!text.includes(CODE_PREFIX), `an authorization code is in the ${where}`);
      assert.ok(!text.includes(REFRESH_TOKEN_PREFIX), `a refresh token is in the ${where}`);
      assert.doesNotMatch(text, JWT, `a JWT is in the ${where}`);
    }
    assert.ok(app.logLines.length >= 4, `the app logged ${app.logLines.length} lines`);
  });
});
