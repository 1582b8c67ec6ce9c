/**
 * Workload identity federation end to end: the app starts from AZURE_FEDERATED_TOKEN_FILE alone
 * (no secret, no certificate), sends the platform's token as its client assertion for the code
 * redemption and for refreshes, and the local tenant checks it against the registration's federated
 * credential (issuer, subject, audience, the issuer's keys). The token is read from its file when a
 * token call needs it: kept while the file is unchanged but never past its `exp`; an expired token
 * that is still expired when read again fails with an error for the operator, before any call to
 * the token endpoint. Time moves by the movable clock, never by waiting.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { createFederatedIssuer } from "local-entra";
import type { LocalFederatedIssuer } from "local-entra";
import { mountFile } from "../support/mountedFile.js";
import type { MountedFile } from "../support/mountedFile.js";
import { startMovableClock } from "../support/movableClock.js";
import type { MovableClock } from "../support/movableClock.js";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { useScratch } from "../support/scratch.js";
import { dropAccessTokens } from "../support/tokenCacheTools.js";

const SUBJECT = "system:serviceaccount:web:entra-webapp";
const HOUR_MS = 3_600_000;

describe("workload identity federation: a token the registration does not trust", () => {
  const scratch = useScratch("federated-refused-");
  const { apps } = scratch;

  // [what, how the registration or the token differs, the AADSTS code the tenant answers]
  const refusals: [string, { subject?: string; audiences?: string[]; otherIssuer?: boolean }, string][] = [
    ["another subject", { subject: "system:serviceaccount:web:someone-else" }, "AADSTS700213"],
    ["another audience", { audiences: ["api://SomethingElse"] }, "AADSTS700212"],
    ["another issuer's token", { otherIssuer: true }, "AADSTS700211"],
  ];
  for (const [what, differs, code] of refusals) {
    it(`a federated credential that names ${what} refuses the sign-in: one retry, then the operator's error with ${code}`, async () => {
      const registeredIssuer = await createFederatedIssuer();
      const tokenIssuer = differs.otherIssuer ? await createFederatedIssuer() : registeredIssuer;
      const file = mountFile(
        scratch.path(`refused-${code}`),
        "token",
        await tokenIssuer.issue({ subject: SUBJECT }),
      );
      const app = await startTestApp({
        env: { CLIENT_SECRET: "", AZURE_FEDERATED_TOKEN_FILE: file.path },
        registration: {
          clientSecret: undefined,
          federatedCredentials: [
            {
              issuer: registeredIssuer.issuer,
              subject: differs.subject ?? SUBJECT,
              ...(differs.audiences ? { audiences: differs.audiences } : {}),
              jwks: registeredIssuer.jwks,
            },
          ],
        },
      });
      apps.push(app);
      const client = app.newClient();
      app.tenant.resetCounters();

      const { callbackUrl } = await authorizeAtTenant(app, client, { returnTo: "/profile" });
      const refused = await client.get(callbackUrl);

      assert.equal(refused.status, 502);
      assert.doesNotMatch(refused.body, /invalid_client|AADSTS|administrator/i);
      assert.deepEqual(
        { code: app.tenant.counters.tokenAuthorizationCode, errors: app.tenant.counters.tokenErrors },
        { code: 2, errors: 2 },
        "refused, read again, refused once more",
      );
      assert.ok(
        app.logLines.some((line) => line.includes(`"code":"${code}"`)),
        `the log names ${code}`,
      );
      assert.ok(
        app.logLines.some((line) =>
          line.includes("refused this application's credentials (invalid_client) twice"),
        ),
      );
    });
  }
});

describe("workload identity federation (AZURE_FEDERATED_TOKEN_FILE)", () => {
  const scratch = useScratch("federated-");
  const { apps } = scratch;

  const nowSeconds = () => Math.floor(Date.now() / 1000);

  /**
   * Runs `test` with Date under a movable clock started before its app, and closes that app before
   * the real clock is back (a tenant started at a moved time has a TLS certificate not yet valid).
   */
  async function withMovableClock(test: (clock: MovableClock) => Promise<TestApp>): Promise<void> {
    const clock = startMovableClock();
    let app: TestApp | undefined;
    try {
      app = await test(clock);
    } finally {
      if (app) {
        apps.splice(apps.indexOf(app), 1);
        await app.close();
      }
      clock.restore();
    }
  }

  async function startFederated(
    name: string,
    issuer: LocalFederatedIssuer,
    registered: { subject?: string; audiences?: string[] } = {},
  ): Promise<{ app: TestApp; file: MountedFile }> {
    const file = mountFile(
      scratch.path(name),
      "azure-identity-token",
      await issuer.issue({ subject: SUBJECT }),
    );
    const app = await startTestApp({
      env: {
        CLIENT_SECRET: "",
        AZURE_FEDERATED_TOKEN_FILE: file.path,
        // Long enough for the clock to move past a token's hour without ending the session.
        SESSION_IDLE_TIMEOUT_SECONDS: String(4 * 3600),
      },
      registration: {
        clientSecret: undefined,
        federatedCredentials: [
          {
            issuer: issuer.issuer,
            subject: registered.subject ?? SUBJECT,
            ...(registered.audiences ? { audiences: registered.audiences } : {}),
            jwks: issuer.jwks,
          },
        ],
      },
    });
    apps.push(app);
    return { app, file };
  }

  it("sign-in and a refresh, each authenticated by the platform's token", async () => {
    const issuer = await createFederatedIssuer();
    const { app, file } = await startFederated("e2e", issuer);
    assert.equal(app.config.auth.credential.kind, "federated");
    const client = app.newClient();
    app.tenant.resetCounters();

    await signIn(app, client, { returnTo: "/profile" });
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    dropAccessTokens(app, client);
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);

    const c = app.tenant.counters;
    assert.deepEqual(
      { code: c.tokenAuthorizationCode, refresh: c.tokenRefresh, errors: c.tokenErrors },
      { code: 1, refresh: 1, errors: 0 },
    );
    const signature = readFileSync(file.path, "utf8").split(".")[2]!;
    assert.ok(
      app.logLines.every((line) => !line.includes(signature)),
      "the token is never logged",
    );
  });

  it("a token past its exp is not sent again: the file is read anew, even when its stat shows no change", async () => {
    await withMovableClock(async (clock) => {
      const issuer = await createFederatedIssuer();
      const { app, file } = await startFederated("expiry", issuer);
      const client = app.newClient();
      await signIn(app, client, { returnTo: "/profile" });
      // The platform's next token, written so that no stat can see it (same inode, size and mtime).
      const later = nowSeconds() + 3000;
      file.overwriteInPlace(await issuer.issue({ subject: SUBJECT, nowSeconds: later }));
      clock.advance(HOUR_MS + 60_000);
      app.tenant.resetCounters();

      dropAccessTokens(app, client);
      const page = await client.get(`${app.baseUrl}/profile`);

      assert.equal(page.status, 200, "the held token expired; the file's new one was sent");
      assert.deepEqual(
        { refresh: app.tenant.counters.tokenRefresh, errors: app.tenant.counters.tokenErrors },
        { refresh: 1, errors: 0 },
      );
      return app;
    });
  });

  it("a token that is still expired when read again fails for the operator, before any token call", async () => {
    await withMovableClock(async (clock) => {
      const issuer = await createFederatedIssuer();
      const { app } = await startFederated("stale", issuer);
      const client = app.newClient();
      await signIn(app, client, { returnTo: "/profile" });
      clock.advance(HOUR_MS + 60_000);
      app.tenant.resetCounters();

      dropAccessTokens(app, client);
      const page = await client.get(`${app.baseUrl}/profile`);

      assert.equal(page.status, 502);
      assert.doesNotMatch(page.body, /AZURE_FEDERATED_TOKEN_FILE|expired|azure-identity-token/);
      const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(page.body)?.[1];
      assert.ok(reference, "the page gives a reference");
      assert.ok(
        app.logLines.some(
          (line) =>
            line.includes(`"requestId":"${reference}"`) &&
            line.includes("AZURE_FEDERATED_TOKEN_FILE") &&
            line.includes("expired at") &&
            line.includes("the platform has stopped replacing it"),
        ),
        "the operator reads which file and why, under the page's reference",
      );
      assert.equal(app.tenant.counters.tokenRefresh, 0, "nothing was sent to the token endpoint");
      return app;
    });
  });
});
