/**
 * The certificate credential end to end: the app starts from CLIENT_CERTIFICATE_PATH alone, the local
 * tenant verifies its private_key_jwt assertions against the registered certificate (or, with x5c,
 * against a trusted subject and issuer) for the code redemption and for refreshes, and refuses an app
 * whose certificate is not registered.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { createCertificateAuthority, createClientCertificate } from "local-entra";
import type { LocalClientCertificate } from "local-entra";
import type { LocalTenantClient } from "local-entra";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { useScratch } from "../support/scratch.js";
import { dropAccessTokens } from "../support/tokenCacheTools.js";

describe("a certificate instead of a client secret", () => {
  const scratch = useScratch("client-cert-");
  const { apps } = scratch;

  function writePem(name: string, certificate: LocalClientCertificate): string {
    const path = scratch.path(name);
    writeFileSync(path, certificate.pem, { mode: 0o600 });
    return path;
  }

  async function startWith(
    path: string,
    registration: Partial<LocalTenantClient>,
    sendX5c = false,
  ): Promise<TestApp> {
    const app = await startTestApp({
      env: {
        CLIENT_SECRET: "",
        CLIENT_CERTIFICATE_PATH: path,
        CLIENT_CERTIFICATE_SEND_X5C: String(sendX5c),
      },
      registration: { clientSecret: undefined, ...registration },
    });
    apps.push(app);
    return app;
  }

  /** Sign-in, a warm page, then a forced refresh: every token call authenticated by the certificate. */
  async function assertWorksEndToEnd(app: TestApp): Promise<void> {
    assert.equal(app.config.auth.credential.kind, "certificate");
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
  }

  it("a registered certificate (thumbprint computed by the app) redeems the code and refreshes", async () => {
    const certificate = await createClientCertificate({ subject: "CN=webapp.contoso.test" });
    const app = await startWith(writePem("registered.pem", certificate), {
      certificates: [certificate.certificatePem],
    });
    const credential = app.config.auth.credential;
    assert.ok(credential.kind === "certificate");
    assert.equal(credential.certificate.thumbprintSha256, certificate.thumbprintSha256);
    await assertWorksEndToEnd(app);
  });

  it("with x5c, subject name + issuer authentication accepts a certificate that was never uploaded", async () => {
    const ca = await createCertificateAuthority("CN=Contoso Issuing CA");
    const certificate = await createClientCertificate({ subject: "CN=webapp.contoso.test", issuer: ca });
    const app = await startWith(
      writePem("sni.pem", certificate),
      {
        trustedCertificateSubjects: [
          { subject: "CN=webapp.contoso.test", issuerCertificatePem: ca.certificatePem },
        ],
      },
      true,
    );
    await assertWorksEndToEnd(app);
  });

  it("an app whose certificate is not registered cannot sign anyone in", async () => {
    const registered = await createClientCertificate();
    const other = await createClientCertificate();
    const app = await startWith(writePem("unregistered.pem", other), {
      certificates: [registered.certificatePem],
    });
    const client = app.newClient();
    app.tenant.resetCounters();
    const { callbackUrl } = await authorizeAtTenant(app, client, { returnTo: "/profile" });
    const refused = await client.get(callbackUrl);
    // The app's own credential is refused: a server-side fault (502) for the person, named in the log.
    assert.equal(refused.status, 502);
    // What to fix is the operator's business: the page gives only the reference to the log line.
    assert.doesNotMatch(refused.body, /administrator|invalid_client/i);
    const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(refused.body)?.[1];
    assert.ok(reference, "the page gives a reference");
    assert.ok(
      app.logLines.some(
        (line) =>
          line.includes(`"requestId":"${reference}"`) &&
          line.includes("refused this application's credentials (invalid_client)") &&
          line.includes("An administrator must check"),
      ),
      "the operator reads why, under the page's reference",
    );
    // Refused, read again, refused once more (createMsalClientFactory.ts: one retry after invalid_client).
    assert.equal(app.tenant.counters.tokenErrors, 2, "refused by the token endpoint, twice");
    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 303, "no session");
  });
});
