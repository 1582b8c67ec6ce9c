import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { test } from "node:test";
import { startLocalTenant } from "../src/index.js";
import { httpsRequest, startTestTenant } from "./helpers.js";

function peerCertificate(url: string, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(url), { ca, agent: false }, (res) => {
      const socket = res.socket as TLSSocket;
      resolve(new X509Certificate(socket.getPeerCertificate().raw));
      res.resume();
    });
    req.setTimeout(5000, () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end();
  });
}

void test("TLS, when the client trusts caCertificatePem, verifies both servers without any opt-out", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const discovery = `${tenant.authority}/v2.0/.well-known/openid-configuration`;
  // Act
  const idp = await httpsRequest(discovery, { ca: tenant.caCertificatePem });
  const graph = await httpsRequest(`${tenant.graphEndpoint}v1.0/me`, { ca: tenant.caCertificatePem });
  // Assert
  assert.equal(idp.status, 200);
  assert.equal(graph.status, 401);
});

void test("TLS, when the client does not trust the certificate, refuses the connection", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const attempt = httpsRequest(`${tenant.authority}/v2.0/.well-known/openid-configuration`);
  // Assert
  await assert.rejects(attempt, (error: NodeJS.ErrnoException) => {
    assert.equal(error.code, "DEPTH_ZERO_SELF_SIGNED_CERT");
    return true;
  });
});

void test("the certificate, as served, names loopback only, lives about a day and matches spkiSha256Base64", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const cert = await peerCertificate(tenant.cloudInstance, tenant.caCertificatePem);
  // Assert
  assert.equal(cert.subjectAltName, "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost");
  const lifetimeMs = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
  assert.ok(lifetimeMs > 23 * 3600_000 && lifetimeMs <= 25 * 3600_000, `lifetime ${lifetimeMs} ms`);
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  assert.equal(tenant.spkiSha256Base64, createHash("sha256").update(spki).digest("base64"));
  assert.equal(cert.toString().trim(), tenant.caCertificatePem.trim());
});

void test("startLocalTenant, when NODE_ENV is production, refuses to start", async (t) => {
  // Arrange
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  t.after(() => {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  });
  // Act
  const start = startLocalTenant();
  // Assert
  await assert.rejects(start, /NODE_ENV=production/);
});

void test("startLocalTenant, when asked for a non-loopback host, refuses to start", async () => {
  // Act
  const start = startLocalTenant({ host: "0.0.0.0" });
  // Assert
  await assert.rejects(start, /loopback only/);
});

void test("startLocalTenant, when started, exposes URLs consistent with its ports", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { tenantId: "A1B2C3D4-0000-4000-8000-000000000001" });
  // Assert
  assert.equal(tenant.tenantId, "a1b2c3d4-0000-4000-8000-000000000001");
  assert.match(tenant.cloudInstance, /^https:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(tenant.authority, `${tenant.cloudInstance}${tenant.tenantId}`);
  assert.equal(tenant.authorityHost, new URL(tenant.cloudInstance).host);
  assert.match(tenant.graphEndpoint, /^https:\/\/127\.0\.0\.1:\d+\/$/);
  assert.notEqual(tenant.graphEndpoint, tenant.cloudInstance);
  assert.equal(tenant.users.length, 5);
  assert.equal(tenant.users[0]?.displayName, "Adele Vance", "users[0] stays a normal user");
});
