/**
 * The credential source's rules, on real files and a clock the test moves: a secret file's value
 * is the same object until the file changes (so a client built with it counts as current); a
 * replaced certificate gets a new signer (the old assertion is dropped); a federated token is kept
 * while its file is unchanged but never past `exp` minus the margin, is still sent within the margin,
 * and a token still expired after reading again is an operator's error, as is a file that has become
 * unusable when read again.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ClientAssertionCallback } from "@azure/msal-node";
import { decodeProtectedHeader } from "jose";
import { createClientCertificate, createFederatedIssuer } from "local-entra";
import type { LocalFederatedIssuer } from "local-entra";
import {
  createClientCredentialSource,
  FEDERATED_TOKEN_MARGIN_SECONDS,
} from "../../src/auth/clientCredentialSource.js";
import type { MsalCredential } from "../../src/auth/clientCredentialSource.js";
import { readClientCertificate } from "../../src/config/clientCertificate.js";
import { IdentityProviderError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { mountFile } from "../support/mountedFile.js";

const CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const ASSERTION_CONFIG: Parameters<ClientAssertionCallback>[0] = {
  clientId: CLIENT_ID,
  tokenEndpoint: "https://login.microsoftonline.com/contoso/oauth2/v2.0/token",
};
const SUBJECT = "system:serviceaccount:web:app";

function assertionOf(credential: MsalCredential): Promise<string> {
  assert.ok("clientAssertion" in credential && typeof credential.clientAssertion === "function");
  return credential.clientAssertion(ASSERTION_CONFIG);
}

describe("the client credential source", () => {
  let dir: string;
  let issuer: LocalFederatedIssuer;
  const logLines: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void logLines.push(line) },
  });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "credential-source-"));
    issuer = await createFederatedIssuer();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a secret file: the same credential object until the file changes, then the new secret", async () => {
    const file = mountFile(join(dir, "secret"), "s", "first-secret\n");
    const source = createClientCredentialSource({
      credential: { kind: "secret", secret: "first-secret", file: file.path },
      clientId: CLIENT_ID,
      logger,
      now: Date.now,
    });
    const built = source.known();

    assert.equal(await source.current(), built, "unchanged: a client built with it is current");
    file.publish("second-secret\n");
    const next = await source.current();

    assert.deepEqual(next, { clientSecret: "second-secret" });
    assert.equal(await source.current(), next);
    file.overwriteInPlace("third--secret\n");
    assert.equal(await source.current(), next, "a change no stat shows is not seen…");
    assert.deepEqual(await source.reload(), { clientSecret: "third--secret" }, "…until it is read again");
  });

  it("CLIENT_SECRET: nothing to read again", async () => {
    const source = createClientCredentialSource({
      credential: { kind: "secret", secret: "s" },
      clientId: CLIENT_ID,
      logger,
      now: Date.now,
    });

    assert.equal(await source.reload(), undefined);
  });

  it("a certificate file replaced: the next assertion is signed by the new certificate", async () => {
    const [first, second] = await Promise.all([createClientCertificate(), createClientCertificate()]);
    const file = mountFile(join(dir, "certificate"), "c.pem", first.pem);
    const read = readClientCertificate({
      path: file.path,
      password: undefined,
      sendX5c: false,
      readFile: () => first.pem,
      now: new Date(),
    });
    assert.ok(read.ok);
    const source = createClientCredentialSource({
      credential: { kind: "certificate", certificate: read.certificate },
      clientId: CLIENT_ID,
      logger,
      now: Date.now,
    });
    const thumbprint = async () => decodeProtectedHeader(await assertionOf(source.known()))["x5t#S256"];
    const base64url = (hex: string) => Buffer.from(hex, "hex").toString("base64url");

    assert.equal(await thumbprint(), base64url(first.thumbprintSha256));
    const again = await assertionOf(source.known());
    assert.equal(await assertionOf(source.known()), again, "unchanged: the signed assertion is reused");
    file.publish(second.pem);

    assert.equal(await thumbprint(), base64url(second.thumbprintSha256));
  });

  describe("a federated token file", () => {
    const start = 1_900_000_000_000;
    let nowMs = start;
    const clock = () => nowMs;

    async function federated(name: string, lifetimeSeconds: number) {
      const token = await issuer.issue({ subject: SUBJECT, nowSeconds: start / 1000, lifetimeSeconds });
      const file = mountFile(join(dir, name), "token", token);
      nowMs = start;
      const source = createClientCredentialSource({
        credential: {
          kind: "federated",
          tokenFile: file.path,
          token: {
            issuer: issuer.issuer,
            subject: SUBJECT,
            audience: undefined,
            expiresAtMs: start + lifetimeSeconds * 1000,
          },
        },
        clientId: CLIENT_ID,
        logger,
        now: clock,
      });
      return { file, source, token };
    }

    it("is kept while unchanged, and read again once within the margin of its exp", async () => {
      const { file, source, token } = await federated("kept", 3600);
      assert.equal(await assertionOf(source.known()), token);
      const next = await issuer.issue({
        subject: SUBJECT,
        nowSeconds: start / 1000 + 1,
        lifetimeSeconds: 3600,
      });
      file.overwriteInPlace(next);

      nowMs = start + (3600 - FEDERATED_TOKEN_MARGIN_SECONDS - 1) * 1000;
      assert.equal(await assertionOf(source.known()), token, "before the margin: the held token");
      nowMs = start + (3600 - FEDERATED_TOKEN_MARGIN_SECONDS) * 1000;
      assert.equal(await assertionOf(source.known()), next, "within the margin: the file's token");
    });

    it("within the margin but not expired, the token is still sent (Entra accepts it)", async () => {
      const { source, token } = await federated("margin", 3600);
      nowMs = start + (3600 - 5) * 1000;

      assert.equal(await assertionOf(source.known()), token);
    });

    it("still expired after reading again: an error for the operator naming the file", async () => {
      const { file, source } = await federated("expired", 3600);
      nowMs = start + 3600 * 1000;

      await assert.rejects(assertionOf(source.known()), (error: unknown) => {
        assert.ok(error instanceof IdentityProviderError);
        assert.match(error.message, /AZURE_FEDERATED_TOKEN_FILE \(.+\) holds a token that expired at 2030-/);
        assert.ok(error.message.includes(file.path));
        return true;
      });
    });

    it("unusable when read again: an error for the operator with the reason", async () => {
      const { file, source } = await federated("garbage", 3600);
      file.publish("not a jwt");
      nowMs = start + 3600 * 1000;

      await assert.rejects(assertionOf(source.known()), (error: unknown) => {
        assert.ok(error instanceof IdentityProviderError);
        assert.match(
          error.message,
          /could not be read again as the token it held was about to expire: AZURE_FEDERATED_TOKEN_FILE: .* does not hold a JWT/,
        );
        return true;
      });
      assert.ok(
        logLines.every((line) => !line.includes("not a jwt")),
        "the file's content is not logged",
      );
    });
  });
});
