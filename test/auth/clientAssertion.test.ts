/**
 * The certificate credential's assertion signer: what it signs (checked with jose against the
 * certificate, as Entra does), and that one assertion serves every request until shortly before it
 * expires — so a page view on a warm cache costs no RSA signature.
 */
import assert from "node:assert/strict";
import { X509Certificate, createHash } from "node:crypto";
import { before, describe, it } from "node:test";
import { compactVerify, decodeProtectedHeader, jwtVerify } from "jose";
import {
  ASSERTION_LIFETIME_SECONDS,
  ASSERTION_RENEW_BEFORE_SECONDS,
  createClientAssertionSigner,
} from "../../src/auth/clientAssertion.js";
import { readClientCertificate } from "../../src/config/clientCertificate.js";
import type { ClientCertificate } from "../../src/config/settings.js";
import { createCertificateAuthority, createClientCertificate } from "local-entra";
import type { LocalClientCertificate } from "local-entra";

const CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const TOKEN_ENDPOINT = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";

function settingsFor(pem: string, sendX5c: boolean): ClientCertificate {
  const read = readClientCertificate({
    path: "c.pem",
    password: undefined,
    sendX5c,
    readFile: () => pem,
    now: new Date(),
  });
  assert.ok(read.ok, read.ok ? "" : read.problem);
  return read.certificate;
}

describe("the client assertion signer", () => {
  let local: LocalClientCertificate;
  before(async () => {
    const ca = await createCertificateAuthority("CN=Signer Test CA");
    local = await createClientCertificate({ subject: "CN=signer.contoso.test", issuer: ca });
  });

  it("signs PS256 with x5t#S256 of the certificate and the claims Entra checks, verifiable with the certificate", async () => {
    const now = 1_800_000_000;
    const sign = createClientAssertionSigner(settingsFor(local.pem, false), CLIENT_ID, () => now);
    const jwt = await sign({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_ENDPOINT });

    const header = decodeProtectedHeader(jwt);
    const der = new X509Certificate(local.certificatePem).raw;
    assert.equal(header.alg, "PS256");
    assert.equal(header["x5t#S256"], createHash("sha256").update(der).digest("base64url"));
    assert.equal(header.x5c, undefined);
    const publicKey = new X509Certificate(local.certificatePem).publicKey;
    const { payload } = await jwtVerify(jwt, publicKey, {
      audience: TOKEN_ENDPOINT,
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      algorithms: ["PS256"],
      currentDate: new Date(now * 1000),
    });
    assert.equal(payload.exp, now + ASSERTION_LIFETIME_SECONDS);
    assert.equal(payload.nbf, now);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);

    // Another payload under the same signature is refused (the signature covers the claims).
    const [head, , signature] = jwt.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ ...payload, aud: "https://evil.example/token" }));
    await assert.rejects(
      compactVerify(`${head}.${forgedPayload.toString("base64url")}.${signature}`, publicKey),
    );
  });

  it("reuses one assertion per token endpoint until it nears expiry, then signs a new one", async () => {
    let now = 1_800_000_000;
    const sign = createClientAssertionSigner(settingsFor(local.pem, false), CLIENT_ID, () => now);
    const config = { clientId: CLIENT_ID, tokenEndpoint: TOKEN_ENDPOINT };

    const [first, concurrent] = await Promise.all([sign(config), sign(config)]);
    assert.equal(concurrent, first, "concurrent callers share one signature");
    now += ASSERTION_LIFETIME_SECONDS - ASSERTION_RENEW_BEFORE_SECONDS - 1;
    assert.equal(await sign(config), first, "still more than the renewal margin left");
    const other = await sign({ clientId: CLIENT_ID, tokenEndpoint: `${TOKEN_ENDPOINT}x` });
    assert.notEqual(other, first, "another audience gets its own assertion");
    now += 2;
    const renewed = await sign(config);
    assert.notEqual(renewed, first, "renewed inside the margin");
    assert.notEqual(decodeJti(renewed), decodeJti(first));
  });

  it("with CLIENT_CERTIFICATE_SEND_X5C, sends the chain (certificate first) for subject name + issuer authentication", async () => {
    const sign = createClientAssertionSigner(settingsFor(local.pem, true), CLIENT_ID);
    const header = decodeProtectedHeader(await sign({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_ENDPOINT }));
    assert.ok(Array.isArray(header.x5c) && header.x5c.length === 1);
    const leaf = new X509Certificate(Buffer.from(header.x5c[0]!, "base64"));
    assert.equal(leaf.subject, "CN=signer.contoso.test");
  });
});

function decodeJti(jwt: string): unknown {
  return (JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as { jti?: unknown }).jti;
}
