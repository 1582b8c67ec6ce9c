import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { test } from "node:test";
import { importX509, jwtVerify } from "jose";
import { createTenantSigningKey } from "../src/index.js";
import type { EntraErrorResponse } from "./helpers.js";
import { obtainTokens, parseJson, startTestTenant, tenantRequest } from "./helpers.js";

void test("GET openid-configuration, for the tenant, answers Entra's v2.0 document", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const base = `${tenant.cloudInstance}${tenant.tenantId}`;
  // Act
  const response = await tenantRequest(tenant, `${base}/v2.0/.well-known/openid-configuration`);
  // Assert
  assert.equal(response.status, 200);
  const doc = parseJson(response);
  assert.equal(doc.issuer, `${base}/v2.0`);
  assert.equal(doc.authorization_endpoint, `${base}/oauth2/v2.0/authorize`);
  assert.equal(doc.token_endpoint, `${base}/oauth2/v2.0/token`);
  assert.equal(doc.end_session_endpoint, `${base}/oauth2/v2.0/logout`);
  assert.equal(doc.jwks_uri, `${base}/discovery/v2.0/keys`);
  assert.deepEqual(doc.response_modes_supported, ["query", "fragment", "form_post"]);
  assert.deepEqual(doc.subject_types_supported, ["pairwise"]);
  assert.deepEqual(doc.id_token_signing_alg_values_supported, ["RS256"]);
  assert.deepEqual(doc.token_endpoint_auth_methods_supported, [
    "client_secret_post",
    "private_key_jwt",
    "client_secret_basic",
  ]);
  assert.equal(doc.request_uri_parameter_supported, false);
  assert.equal(doc.cloud_instance_name, "microsoftonline.com");
  assert.equal(doc.msgraph_host, new URL(tenant.graphEndpoint).host);
  assert.equal(tenant.counters.discovery, 1);
});

void test("GET openid-configuration, for an unknown tenant, answers invalid_tenant AADSTS90002", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(
    tenant,
    `${tenant.cloudInstance}contoso.test/v2.0/.well-known/openid-configuration`,
  );
  // Assert
  assert.equal(response.status, 400);
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "invalid_tenant");
  assert.deepEqual(body.error_codes, [90002]);
  assert.match(body.error_description, /^AADSTS90002: Tenant 'contoso\.test' not found\./);
  assert.match(
    body.error_description,
    /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
  );
  assert.equal(body.error_uri, `${tenant.cloudInstance}error?code=90002`);
});

void test("GET discovery/v2.0/keys, for the tenant, publishes one RS256 signing key with a kid", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(tenant, `${tenant.authority}/discovery/v2.0/keys`);
  // Assert
  assert.equal(response.status, 200);
  const { keys } = parseJson<{ keys: Record<string, unknown>[] }>(response);
  assert.equal(keys.length, 1);
  assert.equal(keys[0]?.kty, "RSA");
  assert.equal(keys[0]?.use, "sig");
  assert.equal(typeof keys[0]?.kid, "string");
  assert.equal(keys[0]?.d, undefined, "no private part");
  assert.equal(keys[0]?.issuer, `${tenant.authority}/v2.0`);
  assert.equal(tenant.counters.jwks, 1);
});

void test("GET discovery/v2.0/keys, of tenants given one signingKey, publishes that key; of tenants without, a fresh key each", async (t) => {
  // Arrange
  const signingKey = await createTenantSigningKey();
  const sharing = [await startTestTenant(t, { signingKey }), await startTestTenant(t, { signingKey })];
  const own = [
    await startTestTenant(t, { signingKey: undefined }),
    await startTestTenant(t, { signingKey: undefined }),
  ];
  // Act
  const kids = await Promise.all(
    [...sharing, ...own].map(async (tenant) => {
      const response = await tenantRequest(tenant, `${tenant.authority}/discovery/v2.0/keys`);
      return parseJson<{ keys: { kid: string }[] }>(response).keys.map((key) => key.kid);
    }),
  );
  // Assert
  assert.deepEqual(kids.slice(0, 2), [[signingKey.kid], [signingKey.kid]]);
  assert.notEqual(kids[2]?.[0], kids[3]?.[0]);
  assert.ok(!kids.slice(2).flat().includes(signingKey.kid));
});

void test("GET discovery/v2.0/keys, publishes the key as Entra's v2 keys: kid = x5t = SHA-1 of the x5c certificate for n/e", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(tenant, `${tenant.cloudInstance}common/discovery/v2.0/keys`);
  // Assert
  const [key] = parseJson<{ keys: Record<string, unknown>[] }>(response).keys;
  assert.ok(key);
  assert.deepEqual(Object.keys(key), ["kty", "use", "kid", "x5t", "n", "e", "x5c", "issuer"]);
  assert.equal(key.issuer, `${tenant.cloudInstance}{tenantid}/v2.0`);
  assert.ok(Array.isArray(key.x5c) && key.x5c.length === 1);
  const der = Buffer.from(String(key.x5c[0]), "base64");
  const certificate = new X509Certificate(der);
  assert.equal(key.x5t, createHash("sha1").update(der).digest("base64url"));
  assert.equal(key.kid, key.x5t);
  assert.equal(certificate.subject, "CN=accounts.accesscontrol.windows.net");
  assert.ok(certificate.checkIssued(certificate), "self-signed");
  const fromCertificate = certificate.publicKey.export({ format: "jwk" });
  assert.deepEqual([fromCertificate.n, fromCertificate.e], [key.n, key.e]);
});

void test("an ID token, verified by jose with the key of the JWKS certificate (x5c), passes", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant);
  const [key] = parseJson<{ keys: { x5c: string[] }[] }>(
    await tenantRequest(tenant, `${tenant.authority}/discovery/v2.0/keys`),
  ).keys;
  assert.ok(key);
  const pem = `-----BEGIN CERTIFICATE-----\n${key.x5c[0] ?? ""}\n-----END CERTIFICATE-----`;
  // Act
  const { payload } = await jwtVerify(tokens.id_token, await importX509(pem, "RS256"), {
    issuer: `${tenant.authority}/v2.0`,
  });
  // Assert
  assert.equal(payload.ver, "2.0");
});

void test("an unknown path, on the identity provider, answers 404 in Entra's error shape", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(tenant, `${tenant.authority}/oauth2/v2.0/nothing-here`, {
    headers: { "client-request-id": "3f2d1c0b-aaaa-4bbb-8ccc-000000000001" },
  });
  // Assert
  assert.equal(response.status, 404);
  const body = parseJson<EntraErrorResponse>(response);
  assert.equal(body.error, "invalid_request");
  assert.equal(body.correlation_id, "3f2d1c0b-aaaa-4bbb-8ccc-000000000001");
  assert.equal(response.headers["client-request-id"], "3f2d1c0b-aaaa-4bbb-8ccc-000000000001");
});

void test("GET /token, instead of POST, answers invalid_request AADSTS900561", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const response = await tenantRequest(tenant, `${tenant.authority}/oauth2/v2.0/token`);
  // Assert
  assert.equal(response.status, 400);
  assert.deepEqual(parseJson<EntraErrorResponse>(response).error_codes, [900561]);
});
