/**
 * Rotating the client credential without a restart, for each kind that lives in a file: a secret
 * (CLIENT_SECRET_FILE), a certificate (CLIENT_CERTIFICATE_PATH) and a workload identity token
 * (AZURE_FEDERATED_TOKEN_FILE), each mounted as Kubernetes does (symlink swap, mountedFile.ts).
 *
 * Under traffic: signed-in users keep making requests that need the token endpoint (their access
 * tokens dropped before each, so each is a refresh) while the rotation runs in the order an operator
 * follows (new credential added to the registration, file replaced, old credential removed); not one
 * request may fail. Then the retry: the registration changed first and the file changed in a way no
 * stat shows → the refused call is made once more with the credential read again, and succeeds; a
 * credential that stays wrong → exactly one retry, then the operator's error.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { describe, it } from "node:test";
import type { TestContext } from "node:test";
import { createClientCertificate, createFederatedIssuer } from "local-entra";
import type { LocalTenantClient } from "local-entra";
import { mountFile } from "../support/mountedFile.js";
import type { MountedFile } from "../support/mountedFile.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import { useScratch } from "../support/scratch.js";
import type { TestClient } from "../support/testClient.js";
import { dropAccessTokens } from "../support/tokenCacheTools.js";

const USERS = 3;
const ROUNDS = 12;
const SUBJECT = "system:serviceaccount:web:entra-webapp";

/** Entra-shaped secrets of one length (overwriteInPlace keeps the size). */
const newSecret = () => randomBytes(30).toString("base64url");

interface TrafficReport {
  requests: number;
  failed: string[];
  /** Requests answered after the last rotation step (the old credential gone from the registration). */
  afterLastStep: number;
  tokenCalls: number;
  tokenErrors: number;
}

async function signedInUsers(app: TestApp, count: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (let i = 0; i < count; i += 1) {
    const client = app.newClient();
    await signIn(app, client, { returnTo: "/profile" });
    clients.push(client);
  }
  return clients;
}

/**
 * USERS × ROUNDS requests to /profile, each one a refresh at the token endpoint, with the rotation's
 * steps run between them, spread over the first part of the traffic (counted, not timed).
 */
async function rotateUnderTraffic(app: TestApp, steps: (() => void)[]): Promise<TrafficReport> {
  const clients = await signedInUsers(app, USERS);
  app.tenant.resetCounters();
  const total = USERS * ROUNDS;
  const thresholds = steps.map((_, i) => Math.floor(((i + 1) * total) / (steps.length + 2)));
  let done = 0;
  let nextStep = 0;
  let afterLastStep = 0;
  const failed: string[] = [];
  const user = async (client: TestClient) => {
    for (let round = 0; round < ROUNDS; round += 1) {
      dropAccessTokens(app, client);
      const response = await client.get(`${app.baseUrl}/profile`);
      done += 1;
      if (nextStep === steps.length) afterLastStep += 1;
      if (response.status !== 200) failed.push(`HTTP ${response.status} after step ${nextStep}`);
      while (nextStep < steps.length && done >= thresholds[nextStep]!) {
        steps[nextStep]!();
        nextStep += 1;
      }
    }
  };
  await Promise.all(clients.map(user));
  assert.equal(nextStep, steps.length, "every rotation step ran during the traffic");
  const c = app.tenant.counters;
  return { requests: done, failed, afterLastStep, tokenCalls: c.tokenRefresh, tokenErrors: c.tokenErrors };
}

function assertNoFailure(t: TestContext, kind: string, report: TrafficReport): void {
  t.diagnostic(
    `${kind}: ${report.requests} requests (${report.afterLastStep} after the old credential was removed), ${report.failed.length} failed; token endpoint: ${report.tokenCalls} refreshes, ${report.tokenErrors} refused`,
  );
  assert.deepEqual(report.failed, []);
  assert.equal(report.requests, USERS * ROUNDS);
  assert.equal(report.tokenCalls, USERS * ROUNDS, "every request was a call to the token endpoint");
  assert.ok(report.afterLastStep > 0, "requests ran after the old credential was gone");
}

describe("rotating the client credential under traffic, without a restart", () => {
  const scratch = useScratch("rotation-");
  const { apps } = scratch;

  async function start(
    env: Record<string, string>,
    registration: Partial<LocalTenantClient>,
  ): Promise<TestApp> {
    const app = await startTestApp({
      env: { CLIENT_SECRET: "", ...env },
      registration: { clientSecret: undefined, ...registration },
    });
    apps.push(app);
    return app;
  }

  const update = (app: TestApp, changes: Partial<LocalTenantClient>) =>
    app.tenant.updateClient(app.config.auth.clientId, changes);

  const replacedLogged = (app: TestApp, setting: string) =>
    app.logLines.some((line) => line.includes("the credential file was replaced") && line.includes(setting));

  it("a secret file (CLIENT_SECRET_FILE) swapped on disk, zero failed requests", async (t) => {
    const [oldSecret, newOne] = [newSecret(), newSecret()];
    const file = mountFile(scratch.path("secret"), "client-secret", `${oldSecret}\n`);
    const app = await start({ CLIENT_SECRET_FILE: file.path }, { clientSecrets: [{ value: oldSecret }] });

    const report = await rotateUnderTraffic(app, [
      () => update(app, { clientSecrets: [{ value: oldSecret }, { value: newOne }] }),
      () => file.publish(`${newOne}\n`),
      () => update(app, { clientSecrets: [{ value: newOne }] }),
    ]);

    assertNoFailure(t, "secret file", report);
    assert.equal(report.tokenErrors, 0, "the swap was seen by its stat: no refused call");
    assert.ok(replacedLogged(app, "CLIENT_SECRET_FILE"));
    assert.ok(
      app.logLines.every((line) => !line.includes(oldSecret) && !line.includes(newOne)),
      "no secret logged",
    );
  });

  it("a certificate file (CLIENT_CERTIFICATE_PATH) swapped on disk, zero failed requests", async (t) => {
    const [oldCertificate, newCertificate] = await Promise.all([
      createClientCertificate({ subject: "CN=webapp-2026" }),
      createClientCertificate({ subject: "CN=webapp-2027" }),
    ]);
    const file: MountedFile = mountFile(scratch.path("certificate"), "client.pem", oldCertificate.pem);
    const app = await start(
      { CLIENT_CERTIFICATE_PATH: file.path },
      { certificates: [oldCertificate.certificatePem] },
    );

    const report = await rotateUnderTraffic(app, [
      () => update(app, { certificates: [oldCertificate.certificatePem, newCertificate.certificatePem] }),
      () => file.publish(newCertificate.pem),
      () => update(app, { certificates: [newCertificate.certificatePem] }),
    ]);

    assertNoFailure(t, "certificate", report);
    assert.equal(
      report.tokenErrors,
      0,
      "the new certificate signed a new assertion at once: no refused call",
    );
    assert.ok(replacedLogged(app, "CLIENT_CERTIFICATE_PATH"));
    assert.ok(
      app.logLines.some(
        (line) => line.includes("client certificate read") && line.includes(newCertificate.thumbprintSha256),
      ),
      "the new thumbprint is logged",
    );
  });

  it("a federated token file (AZURE_FEDERATED_TOKEN_FILE) rotated with the issuer's key, zero failed requests", async (t) => {
    const oldKey = await createFederatedIssuer();
    const newKey = await createFederatedIssuer({ issuer: oldKey.issuer });
    const file = mountFile(
      scratch.path("federated"),
      "azure-identity-token",
      await oldKey.issue({ subject: SUBJECT }),
    );
    const credential = (keys: typeof oldKey.jwks.keys) => ({
      federatedCredentials: [{ issuer: oldKey.issuer, subject: SUBJECT, jwks: { keys } }],
    });
    const app = await start({ AZURE_FEDERATED_TOKEN_FILE: file.path }, credential(oldKey.jwks.keys));
    const newToken = await newKey.issue({ subject: SUBJECT });

    const report = await rotateUnderTraffic(app, [
      () => update(app, credential([...oldKey.jwks.keys, ...newKey.jwks.keys])),
      () => file.publish(newToken),
      () => update(app, credential(newKey.jwks.keys)),
    ]);

    assertNoFailure(t, "federated token", report);
    assert.equal(report.tokenErrors, 0);
    assert.ok(replacedLogged(app, "AZURE_FEDERATED_TOKEN_FILE"));
  });

  it("a warm page view does not look at the credential file; a token call does, once", async () => {
    const secret = newSecret();
    const file = mountFile(scratch.path("warm"), "client-secret", secret);
    const app = await start({ CLIENT_SECRET_FILE: file.path }, { clientSecrets: [{ value: secret }] });
    const [client] = await signedInUsers(app, 1);
    // Gone from disk: any look at it would be logged.
    rmSync(scratch.path("warm"), { recursive: true });
    const lookedAt = () => app.logLines.filter((line) => line.includes("cannot read")).length;

    for (let i = 0; i < 5; i += 1) assert.equal((await client!.get(`${app.baseUrl}/profile`)).status, 200);
    assert.equal(lookedAt(), 0, "warm views: no stat");

    dropAccessTokens(app, client!);
    assert.equal((await client!.get(`${app.baseUrl}/profile`)).status, 200, "the last good secret is used");
    assert.equal(lookedAt(), 1, "the refresh looked, and said so once");
  });

  it("a secret file that changes into an unusable one keeps the last good secret, and says so once", async () => {
    const secret = newSecret();
    const file = mountFile(scratch.path("broken"), "client-secret", secret);
    const app = await start({ CLIENT_SECRET_FILE: file.path }, { clientSecrets: [{ value: secret }] });
    const [client] = await signedInUsers(app, 1);

    file.publish("   \n");
    for (let i = 0; i < 3; i += 1) {
      dropAccessTokens(app, client!);
      assert.equal((await client!.get(`${app.baseUrl}/profile`)).status, 200);
    }

    const complaints = app.logLines.filter((line) =>
      line.includes("cannot be used: still using the last good one"),
    );
    assert.equal(complaints.length, 1, "logged once, not per request");
    assert.match(complaints[0]!, /CLIENT_SECRET_FILE: .*holds only whitespace/);
  });
});

describe("invalid_client: the credential read again, the call made once more", () => {
  const scratch = useScratch("invalid-client-");
  const { apps } = scratch;

  async function startWithSecretFile(name: string, secret: string) {
    const file = mountFile(scratch.path(name), "client-secret", secret);
    const app = await startTestApp({
      env: { CLIENT_SECRET: "", CLIENT_SECRET_FILE: file.path },
      registration: { clientSecret: undefined, clientSecrets: [{ value: secret }] },
    });
    apps.push(app);
    return { app, file };
  }

  const counts = (app: TestApp) => ({
    code: app.tenant.counters.tokenAuthorizationCode,
    refresh: app.tenant.counters.tokenRefresh,
    errors: app.tenant.counters.tokenErrors,
  });

  it("a refresh, when the registration changed first and no stat shows the file's change, is refused once and then succeeds", async () => {
    const { app, file } = await startWithSecretFile("refresh", newSecret());
    const [client] = await signedInUsers(app, 1);
    const rotated = newSecret();
    app.tenant.updateClient(app.config.auth.clientId, { clientSecrets: [{ value: rotated }] });
    file.overwriteInPlace(rotated);
    app.tenant.resetCounters();

    dropAccessTokens(app, client!);
    const page = await client!.get(`${app.baseUrl}/profile`);

    assert.equal(page.status, 200);
    assert.deepEqual(counts(app), { code: 0, refresh: 2, errors: 1 });
    assert.ok(
      app.logLines.some(
        (line) =>
          line.includes("refused the client credential: reading it again and retrying once") &&
          line.includes('"code":"AADSTS7000215"') &&
          line.includes("CLIENT_SECRET_FILE"),
      ),
      "the operator reads the AADSTS code and which credential",
    );
  });

  it("a sign-in, when the registration changed first, redeems its code on the retry", async () => {
    const { app, file } = await startWithSecretFile("sign-in", newSecret());
    // A first sign-in: the app has looked at the file since start-up (and would otherwise read it now).
    await signedInUsers(app, 1);
    const rotated = newSecret();
    app.tenant.updateClient(app.config.auth.clientId, { clientSecrets: [{ value: rotated }] });
    file.overwriteInPlace(rotated);
    const client = app.newClient();
    app.tenant.resetCounters();

    await signIn(app, client, { returnTo: "/profile" });

    assert.equal((await client.get(`${app.baseUrl}/profile`)).status, 200);
    assert.deepEqual(counts(app), { code: 2, refresh: 0, errors: 1 });
  });

  it("a credential that stays wrong (the file's secret expired at the registration) is retried once, then is the operator's error", async () => {
    const secret = newSecret();
    const { app } = await startWithSecretFile("expired", secret);
    const [client] = await signedInUsers(app, 1);
    app.tenant.updateClient(app.config.auth.clientId, {
      clientSecrets: [{ value: secret, expiresAtMs: Date.now() - 1000 }],
    });
    app.tenant.resetCounters();

    dropAccessTokens(app, client!);
    const page = await client!.get(`${app.baseUrl}/profile`);

    assert.equal(page.status, 502);
    assert.deepEqual(counts(app), { code: 0, refresh: 2, errors: 2 }, "one retry, no more");
    assert.doesNotMatch(page.body, /invalid_client|AADSTS|CLIENT_SECRET_FILE|administrator/);
    const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(page.body)?.[1];
    assert.ok(reference, "the page gives a reference");
    assert.ok(
      app.logLines.some(
        (line) =>
          line.includes(`"requestId":"${reference}"`) &&
          line.includes("refused this application's credentials (invalid_client) twice, AADSTS7000222") &&
          line.includes("CLIENT_SECRET_FILE"),
      ),
      "the operator reads what was refused and where it was read from",
    );
    assert.ok(
      app.logLines.every((line) => !line.includes(secret)),
      "the secret is not logged",
    );
  });

  it("CLIENT_SECRET (nothing to read again) refused: no retry, one call", async () => {
    const app = await startTestApp();
    apps.push(app);
    const [client] = await signedInUsers(app, 1);
    app.tenant.updateClient(app.config.auth.clientId, { clientSecret: newSecret() });
    app.tenant.resetCounters();

    dropAccessTokens(app, client!);
    const page = await client!.get(`${app.baseUrl}/profile`);

    assert.equal(page.status, 502);
    assert.deepEqual(counts(app), { code: 0, refresh: 1, errors: 1 });
    assert.ok(
      app.logLines.some(
        (line) => line.includes('"code":"AADSTS7000215"') && line.includes('"credential":"CLIENT_SECRET"'),
      ),
    );
  });
});
