import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { maskTokenShapedValues } from "../../src/logger.js";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";

interface RequestLine {
  msg?: string;
  level: number;
  req?: { id: string; method: string; path: string };
  res?: { statusCode: number };
}

describe("request logging", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const requestLines = () =>
    app.logLines
      .map((l) => JSON.parse(l) as RequestLine)
      .filter((l) => l.req !== undefined && l.res !== undefined);

  it("every request, when it completes, is one JSON line whose id is the reference on the error page", async () => {
    const client = app.newClient();
    const before = requestLines().length;

    const page = await client.get(`${app.baseUrl}/no-such-page`);

    const lines = requestLines().slice(before);
    const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(page.body)?.[1];
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.req!.id, reference);
    assert.deepEqual(lines[0]!.req, { id: reference, method: "GET", path: "/no-such-page" });
    assert.equal(lines[0]!.res!.statusCode, 404);
    assert.equal(lines[0]!.level, 40, "4xx answers log at warn");
  });

  it("the line for the sign-in callback, which carries the code in its URL, logs the path only", async () => {
    const client = app.newClient();
    const { callbackUrl } = await authorizeAtTenant(app, client);
    const before = requestLines().length;

    await client.get(callbackUrl);

    const [line] = requestLines().slice(before);
    assert.equal(line?.req?.path, "/auth/redirect");
    assert.ok(!JSON.stringify(app.logLines).includes(new URL(callbackUrl).searchParams.get("code")!));
  });

  it("health probes, being polled every few seconds, are not logged", async () => {
    const before = requestLines().length;

    await app.newClient().get(`${app.baseUrl}/healthz`);

    assert.equal(requestLines().length, before);
  });
});

describe("maskTokenShapedValues", () => {
  it("maskTokenShapedValues, given a line with a JWT and grant values, masks them and keeps the rest", () => {
    const line =
      '{"msg":"x eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl y","url":"/cb?code=LTCODE.abc&state=s&refresh_token=0.AAA"}';

    const masked = maskTokenShapedValues(line);

    assert.equal(
      masked,
      '{"msg":"x [redacted-jwt] y","url":"/cb?code=[redacted]&state=s&refresh_token=[redacted]"}',
    );
  });
});

describe("MSAL's own log", () => {
  for (const [level, expectLines] of [
    ["verbose", true],
    ["warning", false],
  ] as const) {
    it(`MSAL_LOG_LEVEL=${level}, over a sign-in and a profile page, ${expectLines ? "routes MSAL's lines into the app log without PII" : "keeps MSAL quiet on the happy path"}`, async () => {
      const app = await startTestApp({ env: { MSAL_LOG_LEVEL: level } });
      try {
        const client = app.newClient();
        await signIn(app, client);
        await client.get(`${app.baseUrl}/profile`);

        const msalLines = app.logLines.filter((l) => l.includes('"msg":"msal"'));

        assert.equal(msalLines.length > 0, expectLines, `${msalLines.length} MSAL lines`);
        const user = app.tenant.users[0]!;
        for (const line of msalLines) {
          assert.ok(
            !line.includes(user.userPrincipalName) && !line.includes(user.oid),
            "PII in an MSAL line",
          );
        }
      } finally {
        await app.close();
      }
    });
  }
});
