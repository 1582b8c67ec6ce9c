import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { importPKCS8, SignJWT } from "jose";
import { createClientCertificate, createFederatedIssuer } from "../src/index.js";
import type { LocalClientCertificate, LocalTenant } from "../src/index.js";
import type { EntraErrorResponse } from "./helpers.js";
import {
  CLIENT,
  parseJson,
  postForm,
  REDIRECT_URI,
  refresh,
  startTestTenant,
  tokenEndpoint,
} from "./helpers.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const APP_ID = "8e2a4c6f-0d1b-4f3a-b5c7-9e1f3a5c7d28";
const SUBJECT = "system:serviceaccount:web:app";

/** Two certificates and two platform issuers, made once for this file (RSA keys cost CPU). */
const CREDENTIALS = Promise.all([
  createClientCertificate({ subject: "CN=rotation-old.local.test" }),
  createClientCertificate({ subject: "CN=rotation-new.local.test" }),
  createFederatedIssuer(),
  createFederatedIssuer(),
]);

/** A client assertion as MSAL signs one with a certificate (PS256, x5t#S256, 600 s). */
async function certificateAssertion(
  tenant: LocalTenant,
  certificate: LocalClientCertificate,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: tokenEndpoint(tenant),
    iss: APP_ID,
    sub: APP_ID,
    jti: randomUUID(),
    nbf: now,
    exp: now + 600,
  })
    .setProtectedHeader({
      alg: "PS256",
      typ: "JWT",
      "x5t#S256": Buffer.from(certificate.thumbprintSha256, "hex").toString("base64url"),
    })
    .sign(await importPKCS8(certificate.privateKeyPem, "PS256"));
}

/** A refresh with an unknown token: AADSTS9002313 means the client was authenticated. */
async function codeFor(tenant: LocalTenant, credential: Record<string, string>): Promise<number | undefined> {
  const response = await postForm(tenant, tokenEndpoint(tenant), {
    grant_type: "refresh_token",
    refresh_token: "LTRT.never-issued",
    client_id: APP_ID,
    ...credential,
  });
  return parseJson<EntraErrorResponse>(response).error_codes[0];
}

const assertion = (value: string): Record<string, string> => ({
  client_assertion_type: JWT_BEARER,
  client_assertion: value,
});

void test("updateClient, replacing the client secret, refuses the old one (AADSTS7000215) and accepts the new one on the next request", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.registerClient({ clientId: APP_ID, clientSecret: "old~secret", redirectUris: [REDIRECT_URI] });
  const before = await codeFor(tenant, { client_secret: "old~secret" });
  // Act
  tenant.updateClient(APP_ID, { clientSecret: "new~secret" });
  // Assert
  assert.equal(before, 9002313);
  assert.equal(await codeFor(tenant, { client_secret: "old~secret" }), 7000215);
  assert.equal(await codeFor(tenant, { client_secret: "new~secret" }), 9002313);
});

void test("updateClient, rotating secrets with an overlap, accepts both during it and only the new one after", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  tenant.registerClient({ clientId: APP_ID, clientSecret: "old~secret", redirectUris: [REDIRECT_URI] });
  // Act
  tenant.updateClient(APP_ID, { clientSecrets: [{ value: "new~secret" }] });
  const during = [
    await codeFor(tenant, { client_secret: "old~secret" }),
    await codeFor(tenant, { client_secret: "new~secret" }),
  ];
  tenant.updateClient(APP_ID, { clientSecret: undefined });
  const after = [
    await codeFor(tenant, { client_secret: "old~secret" }),
    await codeFor(tenant, { client_secret: "new~secret" }),
  ];
  // Assert
  assert.deepEqual(during, [9002313, 9002313]);
  assert.deepEqual(after, [7000215, 9002313]);
});

void test("updateClient, replacing the certificate, refuses the removed one (AADSTS700027) and accepts the new one", async (t) => {
  // Arrange
  const [oldCertificate, newCertificate] = await CREDENTIALS;
  const tenant = await startTestTenant(t);
  tenant.registerClient({
    clientId: APP_ID,
    certificates: [oldCertificate.certificatePem],
    redirectUris: [REDIRECT_URI],
  });
  const before = await codeFor(tenant, assertion(await certificateAssertion(tenant, oldCertificate)));
  // Act
  tenant.updateClient(APP_ID, { certificates: [newCertificate.certificatePem] });
  // Assert
  assert.equal(before, 9002313);
  assert.equal(await codeFor(tenant, assertion(await certificateAssertion(tenant, oldCertificate))), 700027);
  assert.equal(await codeFor(tenant, assertion(await certificateAssertion(tenant, newCertificate))), 9002313);
});

void test("updateClient, replacing the federated credential, refuses the old issuer (AADSTS700211) and accepts the new one", async (t) => {
  // Arrange
  const [, , oldPlatform, newPlatform] = await CREDENTIALS;
  const tenant = await startTestTenant(t);
  tenant.registerClient({
    clientId: APP_ID,
    federatedCredentials: [{ issuer: oldPlatform.issuer, subject: SUBJECT, jwks: oldPlatform.jwks }],
    redirectUris: [REDIRECT_URI],
  });
  const before = await codeFor(tenant, assertion(await oldPlatform.issue({ subject: SUBJECT })));
  // Act
  tenant.updateClient(APP_ID, {
    federatedCredentials: [{ issuer: newPlatform.issuer, subject: SUBJECT, jwks: newPlatform.jwks }],
  });
  // Assert
  assert.equal(before, 9002313);
  assert.equal(await codeFor(tenant, assertion(await oldPlatform.issue({ subject: SUBJECT }))), 700211);
  assert.equal(await codeFor(tenant, assertion(await newPlatform.issue({ subject: SUBJECT }))), 9002313);
});

void test("updateClient, replacing a federated credential's keys (the issuer rotated its key), refuses the old key (AADSTS7000272)", async (t) => {
  // Arrange
  const [, , platform, other] = await CREDENTIALS;
  const tenant = await startTestTenant(t);
  tenant.registerClient({
    clientId: APP_ID,
    federatedCredentials: [{ issuer: platform.issuer, subject: SUBJECT, jwks: platform.jwks }],
    redirectUris: [REDIRECT_URI],
  });
  // Act
  tenant.updateClient(APP_ID, {
    federatedCredentials: [{ issuer: platform.issuer, subject: SUBJECT, jwks: other.jwks }],
  });
  // Assert
  assert.equal(await codeFor(tenant, assertion(await platform.issue({ subject: SUBJECT }))), 7000272);
  assert.equal(
    await codeFor(tenant, assertion(await other.issue({ subject: SUBJECT, issuer: platform.issuer }))),
    9002313,
  );
});

void test("updateClient, from a secret to a federated credential, refuses the secret and accepts the platform token", async (t) => {
  // Arrange
  const [, , platform] = await CREDENTIALS;
  const tenant = await startTestTenant(t);
  tenant.registerClient({ clientId: APP_ID, clientSecret: "old~secret", redirectUris: [REDIRECT_URI] });
  // Act
  tenant.updateClient(APP_ID, {
    clientSecret: undefined,
    federatedCredentials: [{ issuer: platform.issuer, subject: SUBJECT, jwks: platform.jwks }],
  });
  // Assert
  assert.equal(await codeFor(tenant, { client_secret: "old~secret" }), 7000215);
  assert.equal(await codeFor(tenant, assertion(await platform.issue({ subject: SUBJECT }))), 9002313);
});

const INVALID_CHANGES: [string, Record<string, unknown>][] = [
  ["removing the only credential", { clientSecret: undefined }],
  ["a relative redirect URI", { redirectUris: ["/auth/redirect"] }],
  ["an empty secret", { clientSecret: "" }],
  ["a certificate that is not PEM", { certificates: ["not a certificate"] }],
  ["an unknown signInAudience", { signInAudience: "AzureADandPersonalMicrosoftAccount" }],
  ["an app role member that is not an oid", { appRoles: [{ value: "Admin", memberOids: ["adele"] }] }],
  ["a new clientId", { clientId: "00000000-0000-0000-0000-000000000001" }],
];

for (const [name, changes] of INVALID_CHANGES) {
  void test(`updateClient, with ${name}, throws and leaves the registration as it was`, async (t) => {
    // Arrange
    const tenant = await startTestTenant(t);
    // Act + Assert
    assert.throws(() => tenant.updateClient(CLIENT.clientId, changes));
    const response = await refresh(tenant, "LTRT.never-issued");
    assert.deepEqual(parseJson<EntraErrorResponse>(response).error_codes, [9002313]);
  });
}

void test("updateClient, for a client id never registered, throws", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act + Assert
  assert.throws(() => tenant.updateClient(APP_ID, { clientSecret: "x" }), /no client/);
});
