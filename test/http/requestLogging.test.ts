import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import express from "express";
import { requestLogging } from "../../src/http/requestLogging.js";
import { createLogger, maskTokenShapedValues } from "../../src/logger.js";
import { closeNow, listenOnLoopback } from "../support/loopback.js";
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

/** The middleware alone on a real server, logging through the app's real logger (redaction, masking). */
describe("requestLogging, line by line", () => {
  const lines: string[] = [];
  const waiting: Array<() => void> = [];
  const logger = createLogger({
    level: "info",
    destination: {
      write: (line: string) => {
        lines.push(line);
        waiting.shift()?.();
      },
    },
  });
  const app = express();
  app.use(requestLogging(logger));
  app.use((_req, res, next) => {
    res.set("X-Request-Id-Seen", res.locals.requestId);
    next();
  });
  app.all("/status/:code", (req, res) => {
    res.status(Number(req.params.code)).send("answer");
  });
  app.get("/never-answers", () => undefined);
  app.get("/{*rest}", (_req, res) => {
    res.send("ok");
  });
  let baseUrl = "";
  const server = createServer(app);
  before(async () => {
    baseUrl = await listenOnLoopback(server);
  });
  after(() => closeNow(server));

  const parsed = (from: number) =>
    lines.slice(from).map((l) => JSON.parse(l) as RequestLine & Record<string, unknown>);

  const cases: Array<[status: number, level: number, message: string]> = [
    [200, 30, "request completed"],
    [201, 30, "request completed"],
    [204, 30, "request completed"],
    [302, 30, "request completed"],
    [303, 30, "request completed"],
    [304, 30, "request completed"],
    [399, 30, "request completed"],
    [400, 40, "request completed"],
    [401, 40, "request completed"],
    [403, 40, "request completed"],
    [404, 40, "request completed"],
    [413, 40, "request completed"],
    [429, 40, "request completed"],
    [499, 40, "request completed"],
    [500, 50, "request failed"],
    [502, 50, "request failed"],
    [503, 50, "request failed"],
    [504, 50, "request failed"],
  ];
  for (const [status, level, message] of cases) {
    it(`a response with status ${status} is one line at level ${level}: "${message}"`, async () => {
      const from = lines.length;

      const response = await fetch(`${baseUrl}/status/${status}`, { method: "POST", redirect: "manual" });
      await response.arrayBuffer();

      const [line, ...more] = parsed(from);
      assert.equal(more.length, 0);
      assert.deepEqual(line!.req, {
        id: response.headers.get("x-request-id-seen"),
        method: "POST",
        path: `/status/${status}`,
      });
      assert.deepEqual(line!.res, { statusCode: status });
      assert.equal(line!.level, level);
      assert.equal(line!.msg, message);
      assert.equal(typeof line!.responseTime, "number");
    });
  }

  const urls: Array<[url: string, loggedPath: string | undefined]> = [
    ["/", "/"],
    ["/?code=0.AAA-secret-code&state=s", "/"],
    ["/auth/redirect?code=0.AAA-secret-code&state=xyz&session_state=abc", "/auth/redirect"],
    ["/a/b/c?", "/a/b/c"],
    ["/a?b?c=secret-after-second-mark", "/a"],
    ["/%3Fnot-a-query?code=secret-code", "/%3Fnot-a-query"],
    ["/healthz", undefined],
    ["/readyz", undefined],
    ["/metrics", undefined],
    ["/healthz?probe=1", undefined],
    ["/metrics?name[]=x", undefined],
    ["/healthz/", "/healthz/"],
    // The path itself is still masked when it is token-shaped (the destination's hook).
    ["/eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJl?x=1", "/[redacted-jwt]"],
    ["/auth/code=0.AAA-secret-code-in-path", "/auth/code=[redacted]"],
    ["/HEALTHZ", "/HEALTHZ"],
    ["/healthzz", "/healthzz"],
  ];
  for (const [url, loggedPath] of urls) {
    it(`GET ${url} ${loggedPath === undefined ? "is not logged (a probe)" : `logs the path ${loggedPath} and nothing of the query`}`, async () => {
      const from = lines.length;
      const marker = await fetch(`${baseUrl}${url}`);
      await marker.arrayBuffer();
      // A request that is always logged, after it: its line shows that the first one's would be there.
      const after = await fetch(`${baseUrl}/status/200`);
      await after.arrayBuffer();

      const paths = parsed(from).map((l) => l.req?.path);
      assert.deepEqual(paths, loggedPath === undefined ? ["/status/200"] : [loggedPath, "/status/200"]);
      assert.ok(!lines.slice(from).join("").includes("secret"), "nothing of the query is logged");
    });
  }

  it("the request id is generated for every request and never taken from the request's headers", async () => {
    const from = lines.length;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${baseUrl}/status/200`, {
        headers: { "x-request-id": "attacker-chosen", "request-id": "attacker-chosen" },
      });
      await response.arrayBuffer();
      ids.push(response.headers.get("x-request-id-seen")!);
    }

    assert.equal(new Set(ids).size, 5);
    for (const id of ids)
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      parsed(from).map((l) => l.req?.id),
      ids,
    );
  });

  it("a request whose client goes away before the answer is one warn line saying so", async () => {
    const from = lines.length;
    const written = new Promise<void>((resolve) => waiting.push(resolve));

    const call = httpRequest(`${baseUrl}/never-answers`);
    call.on("error", () => undefined);
    call.end();
    await new Promise<void>((resolve) => server.once("request", () => resolve()));
    call.destroy();
    await written;

    const [line, ...more] = parsed(from);
    assert.equal(more.length, 0);
    assert.equal(line!.level, 40);
    assert.equal(line!.msg, "request aborted before the response was sent");
    assert.equal(line!.req?.path, "/never-answers");
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
