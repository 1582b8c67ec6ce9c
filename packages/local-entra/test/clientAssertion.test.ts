import assert from "node:assert/strict";
import { randomUUID, X509Certificate } from "node:crypto";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { ConfidentialClientApplication } from "@azure/msal-node";
import type { AccountInfo, AuthenticationResult } from "@azure/msal-node";
import { decodeProtectedHeader, importPKCS8, SignJWT } from "jose";
import { createCertificateAuthority, createClientCertificate, startLocalTenant } from "../src/index.js";
import type { LocalCertificateAuthority, LocalClientCertificate, LocalTenant } from "../src/index.js";
import type { EntraErrorResponse, HttpResult } from "./helpers.js";
import {
  CLIENT,
  obtainCode,
  parseJson,
  postForm,
  REDIRECT_URI,
  startTestTenant,
  tenantRequest,
  tokenEndpoint,
} from "./helpers.js";
import { networkClient, signInWithMsal } from "./msalHelpers.js";
import type { SentRequest } from "./msalHelpers.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const CERT_CLIENT_ID = "3c1f9e7a-58b2-4d06-a9e4-7f20c6d1b845";
const SNI_CLIENT_ID = "9a4e2b71-0c3d-4f58-b6a2-e81d5c7f3094";
const SNI_SUBJECT = "CN=sni-client.local.test, O=Local Tenant Tests";

interface CertificateSetup {
  tenant: LocalTenant;
  certificate: LocalClientCertificate;
  ca: LocalCertificateAuthority;
}

/**
 * The registered certificate and the trusted CA, made once for this file's tests (each RSA key costs
 * about 160 ms of CPU); every test registers them in a tenant of its own.
 */
const CERTIFICATE_AND_CA = Promise.all([
  createClientCertificate({ subject: "CN=cert-client.local.test" }),
  createCertificateAuthority("CN=Local Tenant Test CA, O=Local Tenant Tests"),
]);

/** A tenant with a certificate-only client and a subject-name + issuer client (and the usual two). */
async function certificateTenant(t: TestContext): Promise<CertificateSetup> {
  const [certificate, ca] = await CERTIFICATE_AND_CA;
  const tenant = await startTestTenant(t);
  tenant.registerClient({
    clientId: CERT_CLIENT_ID,
    certificates: [certificate.certificatePem],
    redirectUris: [REDIRECT_URI],
  });
  tenant.registerClient({
    clientId: SNI_CLIENT_ID,
    trustedCertificateSubjects: [{ subject: SNI_SUBJECT, issuerCertificatePem: ca.certificatePem }],
    redirectUris: [REDIRECT_URI],
  });
  return { tenant, certificate, ca };
}

function hexToBase64Url(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64url");
}

function derBase64(pem: string): string {
  return new X509Certificate(pem).raw.toString("base64");
}

interface AssertionOptions {
  alg?: "PS256" | "RS256";
  header?: Record<string, unknown>;
  /** Claims merged over the defaults; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
  privateKeyPem?: string;
}

/** A client assertion as MSAL builds it (PS256, x5t#S256, nbf now, exp +600 s, fresh jti). */
async function signAssertion(
  tenant: LocalTenant,
  certificate: LocalClientCertificate,
  clientId: string,
  options: AssertionOptions = {},
): Promise<string> {
  const alg = options.alg ?? "PS256";
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    aud: tokenEndpoint(tenant),
    iss: clientId,
    sub: clientId,
    jti: randomUUID(),
    nbf: now,
    exp: now + 600,
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  const key = await importPKCS8(options.privateKeyPem ?? certificate.privateKeyPem, alg);
  return new SignJWT(claims)
    .setProtectedHeader({
      alg,
      typ: "JWT",
      "x5t#S256": hexToBase64Url(certificate.thumbprintSha256),
      ...options.header,
    })
    .sign(key);
}

function unsignedJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature = "",
): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part(header)}.${part(claims)}.${signature}`;
}

/** A refresh request with an unknown refresh token: invalid_grant means the client was authenticated. */
function postAssertion(
  tenant: LocalTenant,
  assertion: string,
  fields: Record<string, string | undefined> = {},
): Promise<HttpResult> {
  const body: Record<string, string> = {};
  const merged: Record<string, string | undefined> = {
    grant_type: "refresh_token",
    refresh_token: "LTRT.never-issued",
    client_id: CERT_CLIENT_ID,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
    ...fields,
  };
  for (const [name, value] of Object.entries(merged)) if (value !== undefined) body[name] = value;
  return postForm(tenant, tokenEndpoint(tenant), body);
}

function assertRefused(
  response: HttpResult,
  status: number,
  error: string,
  code: number,
): EntraErrorResponse {
  const body = parseJson<EntraErrorResponse>(response);
  assert.deepEqual(
    { status: response.status, error: body.error, codes: body.error_codes },
    { status, error, codes: [code] },
    body.error_description,
  );
  assert.ok(body.error_description.startsWith(`AADSTS${code}: `), body.error_description);
  return body;
}

async function certificateMsalClient(
  tenant: LocalTenant,
  clientId: string,
  clientCertificate: MsalCertificate,
  sent: SentRequest[],
): Promise<ConfidentialClientApplication> {
  const metadata = await tenantRequest(tenant, `${tenant.authority}/v2.0/.well-known/openid-configuration`);
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      clientCertificate,
      authority: tenant.authority,
      knownAuthorities: [tenant.authorityHost],
      authorityMetadata: metadata.body,
    },
    system: { networkClient: networkClient(tenant, sent) },
  });
}

type MsalCertificate = { thumbprintSha256: string; privateKey: string; x5c?: string };

function thumbprintCredential(certificate: LocalClientCertificate): MsalCertificate {
  return { thumbprintSha256: certificate.thumbprintSha256, privateKey: certificate.privateKeyPem };
}

/** A forced refresh for User.Read: always a token-endpoint call (with a client assertion). */
function forceRefresh(
  cca: ConfidentialClientApplication,
  account: AccountInfo,
): Promise<AuthenticationResult> {
  return cca.acquireTokenSilent({ account, scopes: ["User.Read"], forceRefresh: true });
}

/** Signs in with one client, then refreshes with a fresh one sharing the cache (as the app does per request). */
async function signInThenRefreshWithFreshClient(
  tenant: LocalTenant,
  clientId: string,
  credential: MsalCertificate,
  userOid: string,
  sent: SentRequest[],
): Promise<{ first: AuthenticationResult; refreshed: AuthenticationResult; account: AccountInfo }> {
  const signInClient = await certificateMsalClient(tenant, clientId, credential, sent);
  const first = await signInWithMsal(tenant, signInClient, userOid);
  const refreshClient = await certificateMsalClient(tenant, clientId, credential, sent);
  refreshClient.getTokenCache().deserialize(signInClient.getTokenCache().serialize());
  assert.ok(first.account);
  return { first, refreshed: await forceRefresh(refreshClient, first.account), account: first.account };
}

function sentAssertionHeaders(sent: SentRequest[]): Record<string, unknown>[] {
  return sent
    .filter((request) => new URL(request.url).pathname.endsWith("/oauth2/v2.0/token"))
    .map((request) => {
      const form = new URLSearchParams(request.body ?? "");
      assert.equal(form.get("client_assertion_type"), JWT_BEARER);
      assert.equal(form.get("client_secret"), null);
      return decodeProtectedHeader(form.get("client_assertion") ?? "");
    });
}

void test("msal-node 7 with clientCertificate (thumbprintSha256), against a registered certificate, signs in and refreshes", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const user = tenant.users[0];
  assert.ok(user);
  const sent: SentRequest[] = [];
  // Act
  const { first, refreshed, account } = await signInThenRefreshWithFreshClient(
    tenant,
    CERT_CLIENT_ID,
    thumbprintCredential(certificate),
    user.oid,
    sent,
  );
  // Assert
  assert.equal(account.homeAccountId, `${user.oid}.${tenant.tenantId}`);
  assert.equal(refreshed.fromCache, false);
  assert.notEqual(refreshed.accessToken, first.accessToken);
  assert.equal(tenant.counters.tokenAuthorizationCode, 1);
  assert.equal(tenant.counters.tokenRefresh, 1);
  assert.equal(tenant.counters.tokenErrors, 0);
  const headers = sentAssertionHeaders(sent);
  assert.equal(headers.length, 2);
  for (const header of headers) {
    assert.equal(header.alg, "PS256");
    assert.equal(header["x5t#S256"], hexToBase64Url(certificate.thumbprintSha256));
  }
});

void test("msal-node 7 with clientCertificate and x5c, against a trusted subject and issuer, signs in and refreshes", async (t) => {
  // Arrange
  const { tenant, ca } = await certificateTenant(t);
  const leaf = await createClientCertificate({ subject: SNI_SUBJECT, issuer: ca });
  const user = tenant.users[1];
  assert.ok(user);
  const credential = { ...thumbprintCredential(leaf), x5c: leaf.certificatePem };
  const sent: SentRequest[] = [];
  // Act
  const { refreshed } = await signInThenRefreshWithFreshClient(
    tenant,
    SNI_CLIENT_ID,
    credential,
    user.oid,
    sent,
  );
  // Assert
  assert.equal(refreshed.fromCache, false);
  assert.equal(tenant.counters.tokenAuthorizationCode, 1);
  assert.equal(tenant.counters.tokenRefresh, 1);
  assert.equal(tenant.counters.tokenErrors, 0);
  const headers = sentAssertionHeaders(sent);
  assert.equal(headers.length, 2);
  assert.deepEqual(headers[0]?.x5c, [derBase64(leaf.certificatePem)]);
});

void test("msal-node 7, one client instance reusing its cached assertion for a second token request, is accepted as by Entra", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const cca = await certificateMsalClient(tenant, CERT_CLIENT_ID, thumbprintCredential(certificate), []);
  const first = await signInWithMsal(tenant, cca, tenant.users[0]?.oid ?? "");
  assert.ok(first.account);
  // Act
  const refreshed = await forceRefresh(cca, first.account);
  // Assert
  assert.equal(refreshed.fromCache, false);
  assert.equal(tenant.counters.tokenErrors, 0);
});

void test("msal-node 7, one client instance reusing its cached assertion, is refused with strictClientAssertionReplay (one-time jti)", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  tenant.strictClientAssertionReplay = true;
  const cca = await certificateMsalClient(tenant, CERT_CLIENT_ID, thumbprintCredential(certificate), []);
  const first = await signInWithMsal(tenant, cca, tenant.users[0]?.oid ?? "");
  assert.ok(first.account);
  // Act
  const refresh = forceRefresh(cca, first.account);
  // Assert
  await assert.rejects(refresh, (error: { errorCode?: string; errorMessage?: string }) => {
    assert.equal(error.errorCode, "invalid_client");
    assert.match(error.errorMessage ?? "", /AADSTS50027:/);
    return true;
  });
});

void test("POST /token, with a hand-made RS256 assertion carrying x5t (SHA-1), redeems a code", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const { code, pkce } = await obtainCode(tenant, { client_id: CERT_CLIENT_ID });
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    alg: "RS256",
    header: { "x5t#S256": undefined, x5t: hexToBase64Url(certificate.thumbprintSha1) },
  });
  // Act
  const response = await postForm(tenant, tokenEndpoint(tenant), {
    grant_type: "authorization_code",
    code,
    code_verifier: pkce.verifier,
    redirect_uri: REDIRECT_URI,
    client_id: CERT_CLIENT_ID,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  });
  // Assert
  assert.equal(response.status, 200, response.body);
  assert.equal(typeof parseJson<{ access_token: unknown }>(response).access_token, "string");
  assert.equal(decodeProtectedHeader(assertion).x5t, hexToBase64Url(certificate.thumbprintSha1));
});

void test("POST /token, with an assertion signed by another key under a registered thumbprint, answers AADSTS700027", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const stranger = await createClientCertificate();
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    privateKeyPem: stranger.privateKeyPem,
  });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700027);
  assert.match(body.error_description, /The provided signature value did not match/);
});

void test("POST /token, with an assertion whose thumbprint is not registered, answers AADSTS700027 (key not found)", async (t) => {
  // Arrange
  const { tenant } = await certificateTenant(t);
  const unregistered = await createClientCertificate();
  const assertion = await signAssertion(tenant, unregistered, CERT_CLIENT_ID);
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700027);
  assert.match(
    body.error_description,
    /is not registered on application\. \[Reason - The key was not found\./,
  );
  assert.match(body.error_description, new RegExp(unregistered.thumbprintSha256.toUpperCase()));
});

void test("POST /token, with an expired assertion, answers AADSTS700024", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const now = Math.floor(Date.now() / 1000);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    claims: { nbf: now - 700, exp: now - 100 },
  });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700024);
  assert.match(
    body.error_description,
    /Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT[\d:]+\.\d{7}Z/,
  );
});

void test("POST /token, with an assertion not valid before ten minutes from now, answers AADSTS700024", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const now = Math.floor(Date.now() / 1000);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    claims: { nbf: now + 600, exp: now + 850 },
  });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  assertRefused(response, 401, "invalid_client", 700024);
});

void test("POST /token, with an assertion issued (iat) ten minutes in the future, answers AADSTS700024", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const now = Math.floor(Date.now() / 1000);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    claims: { nbf: undefined, iat: now + 600, exp: now + 700 },
  });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  assertRefused(response, 401, "invalid_client", 700024);
});

void test("POST /token, with an assertion valid for an hour, answers AADSTS700024 (lifetime over 10 min + skew)", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const now = Math.floor(Date.now() / 1000);
  const tooLong = await signAssertion(tenant, certificate, CERT_CLIENT_ID, { claims: { exp: now + 3600 } });
  const longest = await signAssertion(tenant, certificate, CERT_CLIENT_ID, { claims: { exp: now + 880 } });
  // Act
  const refused = await postAssertion(tenant, tooLong);
  const accepted = await postAssertion(tenant, longest);
  // Assert
  assertRefused(refused, 401, "invalid_client", 700024);
  assert.equal(parseJson<EntraErrorResponse>(accepted).error, "invalid_grant", accepted.body);
});

void test("POST /token, with an assertion whose aud is the issuer instead of the token endpoint, answers AADSTS700023", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    claims: { aud: `${tenant.authority}/v2.0` },
  });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  assertRefused(response, 401, "invalid_client", 700023);
});

void test("POST /token, with an assertion whose aud is an array, answers AADSTS50027", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    claims: { aud: [tokenEndpoint(tenant), `${tenant.authority}/v2.0`] },
  });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  assertRefused(response, 401, "invalid_client", 50027);
});

void test("POST /token, with an assertion whose sub differs from iss, answers AADSTS700021", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, {
    claims: { sub: CLIENT.clientId },
  });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  assertRefused(response, 401, "invalid_client", 700021);
});

void test("POST /token, with a client_id other than the assertion's iss, answers AADSTS700021", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CLIENT.clientId);
  // Act
  const response = await postAssertion(tenant, assertion, { client_id: CERT_CLIENT_ID });
  // Assert
  assertRefused(response, 401, "invalid_client", 700021);
});

void test("POST /token, with no client_id, identifies the client by the assertion's iss", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID);
  // Act
  const response = await postAssertion(tenant, assertion, { client_id: undefined });
  // Assert
  assert.equal(parseJson<EntraErrorResponse>(response).error, "invalid_grant", response.body);
});

void test("POST /token, with a replayed assertion (same jti) and strictClientAssertionReplay, answers AADSTS50027 the second time", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  tenant.strictClientAssertionReplay = true;
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID);
  // Act
  const first = await postAssertion(tenant, assertion);
  const replay = await postAssertion(tenant, assertion);
  // Assert
  assert.equal(parseJson<EntraErrorResponse>(first).error, "invalid_grant", first.body);
  const body = assertRefused(replay, 401, "invalid_client", 50027);
  assert.match(body.error_description, /jti was already used/);
});

void test("POST /token, with an assertion without jti, answers AADSTS50027", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID, { claims: { jti: undefined } });
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  assertRefused(response, 401, "invalid_client", 50027);
});

void test("POST /token, with an unsigned assertion (alg none), answers AADSTS700027", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const now = Math.floor(Date.now() / 1000);
  const assertion = unsignedJwt(
    { alg: "none", "x5t#S256": hexToBase64Url(certificate.thumbprintSha256) },
    {
      aud: tokenEndpoint(tenant),
      iss: CERT_CLIENT_ID,
      sub: CERT_CLIENT_ID,
      jti: randomUUID(),
      nbf: now,
      exp: now + 600,
    },
  );
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700027);
  assert.match(body.error_description, /'none' is not accepted/);
});

void test("POST /token, with an HS256 assertion keyed by the certificate's PEM, answers AADSTS700027", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({
    aud: tokenEndpoint(tenant),
    iss: CERT_CLIENT_ID,
    sub: CERT_CLIENT_ID,
    jti: randomUUID(),
    nbf: now,
    exp: now + 600,
  })
    .setProtectedHeader({ alg: "HS256", "x5t#S256": hexToBase64Url(certificate.thumbprintSha256) })
    .sign(new TextEncoder().encode(certificate.certificatePem));
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700027);
  assert.match(body.error_description, /'HS256' is not accepted/);
});

void test("POST /token, with a client secret and an assertion together, answers invalid_request AADSTS9002313", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID);
  // Act
  const response = await postAssertion(tenant, assertion, { client_secret: CLIENT.clientSecret });
  // Assert
  assertRefused(response, 400, "invalid_request", 9002313);
});

void test("POST /token, with a client secret for a certificate-only client, answers AADSTS7000215", async (t) => {
  // Arrange
  const { tenant } = await certificateTenant(t);
  // Act
  const response = await postForm(tenant, tokenEndpoint(tenant), {
    grant_type: "refresh_token",
    refresh_token: "LTRT.never-issued",
    client_id: CERT_CLIENT_ID,
    client_secret: CLIENT.clientSecret,
  });
  // Assert
  assertRefused(response, 401, "invalid_client", 7000215);
});

void test("POST /token, with an assertion but an unexpected client_assertion_type, answers invalid_request AADSTS90011", async (t) => {
  // Arrange
  const { tenant, certificate } = await certificateTenant(t);
  const assertion = await signAssertion(tenant, certificate, CERT_CLIENT_ID);
  // Act
  const wrongType = await postAssertion(tenant, assertion, {
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
  });
  const noType = await postAssertion(tenant, assertion, { client_assertion_type: undefined });
  // Assert
  assertRefused(wrongType, 400, "invalid_request", 90011);
  assertRefused(noType, 400, "invalid_request", 900144);
});

void test("POST /token, with an x5c leaf of the trusted subject issued by another CA, answers AADSTS7000213", async (t) => {
  // Arrange
  const { tenant } = await certificateTenant(t);
  const otherCa = await createCertificateAuthority("CN=Local Tenant Test CA, O=Local Tenant Tests");
  const leaf = await createClientCertificate({ subject: SNI_SUBJECT, issuer: otherCa });
  const assertion = await signAssertion(tenant, leaf, SNI_CLIENT_ID, {
    header: { x5c: [derBase64(leaf.certificatePem)] },
  });
  // Act
  const response = await postAssertion(tenant, assertion, { client_id: SNI_CLIENT_ID });
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 7000213);
  assert.match(body.error_description, /Invalid certificate chain\./);
});

void test("POST /token, with an expired x5c leaf from the trusted CA, answers AADSTS700027 (key expired)", async (t) => {
  // Arrange
  const { tenant, ca } = await certificateTenant(t);
  const leaf = await createClientCertificate({
    subject: SNI_SUBJECT,
    issuer: ca,
    notAfter: new Date(Date.now() - 60 * 60 * 1000),
  });
  const assertion = await signAssertion(tenant, leaf, SNI_CLIENT_ID, {
    header: { x5c: [derBase64(leaf.certificatePem)] },
  });
  // Act
  const response = await postAssertion(tenant, assertion, { client_id: SNI_CLIENT_ID });
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700027);
  assert.match(body.error_description, /The key used is expired\./);
});

void test("POST /token, with an x5c leaf from the trusted CA but another subject, answers AADSTS700027 (key not found)", async (t) => {
  // Arrange
  const { tenant, ca } = await certificateTenant(t);
  const leaf = await createClientCertificate({ subject: "CN=someone-else.local.test", issuer: ca });
  const assertion = await signAssertion(tenant, leaf, SNI_CLIENT_ID, {
    header: { x5c: [derBase64(leaf.certificatePem)] },
  });
  // Act
  const response = await postAssertion(tenant, assertion, { client_id: SNI_CLIENT_ID });
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700027);
  assert.match(body.error_description, /The key was not found\./);
});

void test("POST /token, with an x5c leaf from the trusted CA, accepts the assertion (positive control)", async (t) => {
  // Arrange
  const { tenant, ca } = await certificateTenant(t);
  const leaf = await createClientCertificate({ subject: SNI_SUBJECT, issuer: ca });
  const assertion = await signAssertion(tenant, leaf, SNI_CLIENT_ID, {
    header: { x5c: [derBase64(leaf.certificatePem)] },
  });
  // Act
  const response = await postAssertion(tenant, assertion, { client_id: SNI_CLIENT_ID });
  // Assert
  assert.equal(parseJson<EntraErrorResponse>(response).error, "invalid_grant", response.body);
});

void test("POST /token, signed with a registered but expired certificate, answers AADSTS700027 (key expired)", async (t) => {
  // Arrange
  const { tenant } = await certificateTenant(t);
  const expired = await createClientCertificate({ notAfter: new Date(Date.now() - 60_000) });
  tenant.registerClient({
    clientId: CERT_CLIENT_ID,
    certificates: [expired.certificatePem],
    redirectUris: [REDIRECT_URI],
  });
  const assertion = await signAssertion(tenant, expired, CERT_CLIENT_ID);
  // Act
  const response = await postAssertion(tenant, assertion);
  // Assert
  const body = assertRefused(response, 401, "invalid_client", 700027);
  assert.match(body.error_description, /The key used is expired\./);
});

void test("registerClient, with no secret, certificate or trusted subject, throws", async (t) => {
  // Arrange
  const tenant = await startLocalTenant();
  t.after(() => tenant.close());
  const ca = await createCertificateAuthority("CN=Registration Test CA");
  const notACa = await createClientCertificate();
  const base = {
    clientId: "6d2b8e40-1f7a-4c93-8e05-b4a9c2d71f36",
    redirectUris: [],
  };
  // Act + Assert
  assert.throws(() => tenant.registerClient(base), /needs a credential/);
  assert.throws(
    () =>
      tenant.registerClient({
        ...base,
        trustedCertificateSubjects: [{ subject: "CN=x", issuerCertificatePem: notACa.certificatePem }],
      }),
    /not a CA certificate/,
  );
  assert.throws(() => tenant.registerClient({ ...base, certificates: ["not a pem"] }), /not a PEM X\.509/);
  assert.doesNotThrow(() =>
    tenant.registerClient({
      ...base,
      trustedCertificateSubjects: [{ subject: "CN=x", issuerCertificatePem: ca.certificatePem }],
    }),
  );
});

void test("createClientCertificate, returns a PEM pair whose thumbprints are the DER's SHA-256 and SHA-1", async () => {
  // Arrange + Act
  const ca = await createCertificateAuthority("CN=Helper Test CA, O=Local Tenant Tests");
  const issued = await createClientCertificate({ subject: "CN=helper.local.test", issuer: ca, validDays: 2 });
  // Assert
  const x509 = new X509Certificate(issued.certificatePem);
  assert.equal(issued.thumbprintSha256, x509.fingerprint256.replaceAll(":", "").toLowerCase());
  assert.equal(issued.thumbprintSha1, x509.fingerprint.replaceAll(":", "").toLowerCase());
  assert.equal(x509.subject, "CN=helper.local.test");
  assert.ok(x509.checkIssued(new X509Certificate(ca.certificatePem)));
  assert.equal(x509.publicKey.asymmetricKeyType, "rsa");
  assert.equal(issued.pem, `${issued.certificatePem}${issued.privateKeyPem}`);
  assert.match(issued.pem, /-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----/);
  const days = (new Date(x509.validTo).getTime() - Date.now()) / (24 * 3600 * 1000);
  assert.ok(days > 1.9 && days <= 2, String(days));
});
