/**
 * The client credential settings: exactly one of a secret and a certificate file; the certificate's
 * thumbprint computed by the app; every unusable file refused at start-up with words for the
 * operator and without key material. Certificates come from the local tenant's helpers (selfsigned).
 */
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/loadConfig.js";
import { describeCredential } from "../../src/config/describeCredential.js";
import { ConfigError } from "../../src/errors.js";
import { createCertificateAuthority, createClientCertificate } from "local-entra";
import type { LocalCertificateAuthority, LocalClientCertificate } from "local-entra";

const base = {
  TENANT_ID: "11111111-2222-3333-4444-555555555555",
  CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  EXPRESS_SESSION_SECRET: "s".repeat(40),
};

function withFiles(files: Record<string, string>) {
  return {
    readFile: (path: string) => {
      if (!Object.hasOwn(files, path)) throw Object.assign(new Error("missing"), { code: "ENOENT" });
      return files[path]!;
    },
  };
}

function problemsOf(env: Record<string, string>, files: Record<string, string> = {}): readonly string[] {
  try {
    loadConfig(env, withFiles(files));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("loadConfig accepted invalid settings");
}

/** A stretch of the private key's base64 body: it must never appear in settings or messages. */
function keyBody(certificate: LocalClientCertificate): string {
  return certificate.privateKeyPem.split("\n")[5]!.slice(0, 40);
}

const certEnv = { ...base, CLIENT_CERTIFICATE_PATH: "/etc/app/client.pem" };

describe("the client credential setting", () => {
  let ca: LocalCertificateAuthority;
  let issued: LocalClientCertificate;
  let selfSigned: LocalClientCertificate;
  before(async () => {
    ca = await createCertificateAuthority("CN=Contoso Test Issuing CA");
    issued = await createClientCertificate({ subject: "CN=webapp.contoso.test", issuer: ca });
    selfSigned = await createClientCertificate({ subject: "CN=webapp-self-signed" });
  });

  it("loadConfig, with both CLIENT_SECRET and CLIENT_CERTIFICATE_PATH, refuses to choose", () => {
    const problems = problemsOf({ ...certEnv, CLIENT_SECRET: "x" }, { "/etc/app/client.pem": issued.pem });
    assert.deepEqual(problems, [
      "CLIENT_SECRET and CLIENT_CERTIFICATE_PATH: set exactly one client credential, not both",
    ]);
  });

  it("loadConfig, with neither, asks for exactly one", () => {
    assert.deepEqual(problemsOf(base), [
      "CLIENT_SECRET: a client credential is required: set exactly one of CLIENT_SECRET, CLIENT_SECRET_FILE, CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE",
    ]);
  });

  it("loadConfig, with a certificate file, computes the SHA-256 thumbprint the registration shows", () => {
    const config = loadConfig(certEnv, withFiles({ "/etc/app/client.pem": selfSigned.pem }));
    const credential = config.auth.credential;
    assert.equal(credential.kind, "certificate");
    if (credential.kind !== "certificate") return;
    const expected = new X509Certificate(selfSigned.certificatePem).fingerprint256
      .replaceAll(":", "")
      .toLowerCase();
    assert.equal(credential.certificate.thumbprintSha256, expected);
    assert.equal(credential.certificate.thumbprintSha256, selfSigned.thumbprintSha256);
    assert.equal(credential.certificate.subject, "CN=webapp-self-signed");
    assert.equal(credential.certificate.sendX5c, false);
    assert.equal(credential.certificate.privateKey.asymmetricKeyType, "rsa");
    // The settings object can be logged whole without the key: a KeyObject prints nothing.
    const text = JSON.stringify(config);
    assert.ok(!text.includes("PRIVATE KEY") && !text.includes(keyBody(selfSigned)), "no key material");
  });

  it("loadConfig, with the issuer after or before the certificate, puts the certificate first in the x5c chain", () => {
    const file = `${ca.certificatePem}\n${issued.certificatePem}\n${issued.privateKeyPem}`;
    const config = loadConfig(
      { ...certEnv, CLIENT_CERTIFICATE_SEND_X5C: "true" },
      withFiles({ "/etc/app/client.pem": file }),
    );
    const credential = config.auth.credential;
    assert.ok(credential.kind === "certificate");
    const chain = credential.certificate.chainDer.map(
      (der) => new X509Certificate(Buffer.from(der, "base64")),
    );
    assert.deepEqual(
      chain.map((c) => c.subject),
      ["CN=webapp.contoso.test", "CN=Contoso Test Issuing CA"],
    );
    assert.equal(credential.certificate.sendX5c, true);
  });

  it("loadConfig, with an encrypted private key, opens it with CLIENT_CERTIFICATE_PASSWORD and only with it", () => {
    const encryptedKey = createPrivateKey(selfSigned.privateKeyPem)
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "correct horse" })
      .toString();
    const files = { "/etc/app/client.pem": `${selfSigned.certificatePem}\n${encryptedKey}` };

    assert.deepEqual(problemsOf(certEnv, files), [
      "CLIENT_CERTIFICATE_PATH: the private key is encrypted: set CLIENT_CERTIFICATE_PASSWORD",
    ]);
    const wrong = problemsOf({ ...certEnv, CLIENT_CERTIFICATE_PASSWORD: "wrong horse" }, files);
    assert.deepEqual(wrong, [
      "CLIENT_CERTIFICATE_PATH: the private key does not open with CLIENT_CERTIFICATE_PASSWORD",
    ]);
    assert.ok(!wrong.join(" ").includes("wrong horse"), "the password is not echoed");
    const config = loadConfig({ ...certEnv, CLIENT_CERTIFICATE_PASSWORD: "correct horse" }, withFiles(files));
    assert.equal(config.auth.credential.kind, "certificate");
  });

  it("loadConfig refuses unusable certificate files, each with its reason and no key material", async () => {
    const expired = await createClientCertificate({ notAfter: new Date(Date.now() - 86_400_000) });
    const cases: [string, string | undefined, string][] = [
      ["missing", undefined, "CLIENT_CERTIFICATE_PATH: cannot read /etc/app/client.pem (ENOENT)"],
      [
        "no certificate",
        selfSigned.privateKeyPem,
        "CLIENT_CERTIFICATE_PATH: holds no certificate (-----BEGIN CERTIFICATE-----)",
      ],
      [
        "no key",
        selfSigned.certificatePem,
        "CLIENT_CERTIFICATE_PATH: holds no private key: put the certificate and its private key in one PEM file",
      ],
      [
        "another certificate's key",
        `${selfSigned.certificatePem}\n${issued.privateKeyPem}`,
        "CLIENT_CERTIFICATE_PATH: the private key does not belong to any certificate in the file",
      ],
      ["expired", expired.pem, "CLIENT_CERTIFICATE_PATH: the certificate expired on"],
    ];
    for (const [name, content, expected] of cases) {
      const files: Record<string, string> = content === undefined ? {} : { "/etc/app/client.pem": content };
      const problems = problemsOf(certEnv, files);
      assert.equal(problems.length, 1, `${name}: ${problems.join("; ")}`);
      assert.ok(problems[0]!.startsWith(expected), `${name}: ${problems[0]}`);
      for (const certificate of [selfSigned, issued, expired]) {
        assert.ok(!problems[0]!.includes(keyBody(certificate)), `${name}: no key material in the message`);
      }
    }
  });

  it("describeCredential names the certificate by thumbprint and expiry, warns 30 days ahead, never shows a secret", async () => {
    const secret = describeCredential({ kind: "secret", secret: "s3cr3t-value" });
    assert.deepEqual(secret, { fields: { credential: "client secret" } });

    const soon = await createClientCertificate({ validDays: 10 });
    const config = loadConfig(certEnv, withFiles({ "/etc/app/client.pem": soon.pem }));
    const described = describeCredential(config.auth.credential);
    assert.equal(described.fields.certificateThumbprintSha256, soon.thumbprintSha256);
    assert.match(described.warning ?? "", /^the client certificate expires in (9|10) days/);
    const later = describeCredential(
      loadConfig(certEnv, withFiles({ "/etc/app/client.pem": issued.pem })).auth.credential,
    );
    assert.equal(later.warning, undefined);
  });
});
