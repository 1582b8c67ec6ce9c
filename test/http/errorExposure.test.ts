/**
 * What an error page may say. Every kind of AppError, at the statuses it can carry, and throwables
 * that are not the app's are handed to the real error handler by a route of a small Express app (the
 * real request logging, views and logger configuration, over HTTP on 127.0.0.1). Each carries an
 * operator detail with a unique marker and secret-looking text: a hidden error's page must show a
 * fixed sentence and the reference id and nothing of the detail, and the log line under that same
 * reference must hold the detail; an exposed error's page shows its message.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { inspect } from "node:util";
import { after, before, describe, it } from "node:test";
import express from "express";
import type { NextFunction, Request, Response } from "express";
import * as errors from "../../src/errors.js";
import {
  AppError,
  BadRequestError,
  ConfigError,
  CorruptTokenCacheError,
  DeadlineExceededError,
  ForbiddenRequestError,
  GraphError,
  IdentityProviderBusyError,
  IdentityProviderError,
  MisconfiguredProxyError,
  MissingRoleError,
  NotFoundError,
  RedisUnavailableError,
  SessionStoreError,
  SignInFailedError,
  SignInRequiredError,
  SqliteUnavailableError,
} from "../../src/errors.js";
import { createErrorHandler } from "../../src/http/errorHandler.js";
import { requestLogging } from "../../src/http/requestLogging.js";
import { createLogger } from "../../src/logger.js";
import { useTemplates } from "../../src/pages/templateEngine.js";
import { projectPaths } from "../../src/paths.js";
import { closeNow, listenOnLoopback } from "../support/loopback.js";

// What people read, spelled out here rather than imported: these sentences are the contract.
const UNEXPECTED = "An unexpected error happened on our side. Please try again later.";
const SIGN_IN_SERVICE =
  "The sign-in service could not be reached or gave an unusable answer. Please try again later.";
const SIGN_IN_BUSY = "The sign-in service is busy right now. Please try again shortly.";
const GRAPH_FAILED = "Microsoft Graph had a problem answering. Please try again later.";
const GRAPH_UNREACHABLE = "Microsoft Graph could not be reached. Please try again in a moment.";
const GRAPH_UNREADABLE = "Microsoft Graph sent an answer this app could not read. Please try again later.";
const GRAPH_TIMEOUT = "Microsoft Graph did not answer in time. Please try again in a moment.";
const GRAPH_BUSY = "Microsoft Graph is busy right now. Please try again in a minute.";
const GRAPH_REFUSED = "Microsoft Graph did not accept this app's sign-in. Please sign out and in again.";
const GRAPH_CLAIMS_LOOP =
  "Microsoft Graph still asks for additional verification after you signed in again. Please contact your administrator.";
const SESSION_STORE =
  "Your session could not be reached just now. This is usually brief: please try again in a few seconds. You are still signed in.";
const SESSION_STORE_AT_SIGN_IN =
  "Your sign-in could not be saved just now. This is usually brief: please sign in again in a few seconds.";
const DEPENDENCY_TIMEOUT =
  "A service this page needs did not answer in time. Please try again in a few seconds.";
const SITE_MISCONFIGURED =
  "Signing in cannot work on this site right now because of a problem on our side. Please try again later.";
const FORM_REJECTED = "The form that was sent is too large or malformed.";
const NO_PAGE = "There is no page at this address.";

/** Text no page may show for a hidden error: a host, a password, a client secret, markup. */
const SECRET_BITS = ["idp.internal.example", "hunter2", "AADSTS7000215", "<script>", "&lt;script"];

/** An operator's detail: the marker finds it in the log, the rest looks like what must stay there. */
const detailWith = (marker: string) =>
  `${marker} GET https://idp.internal.example/contoso/v2.0 answered AADSTS7000215 with client_secret=hunter2-${marker} <script>alert(1)</script>`;

type Expected =
  /** Exposed: the page shows the error's message. */
  | { status: number; shows: "its message"; retryAfter?: string }
  /** Hidden or not ours: the page shows this fixed sentence. */
  | { status: number; says: string; retryAfter?: string }
  /** Sign-in required: a redirect back to the page, asking for these extra scopes. */
  | { status: 303; extraScopes: string };

/** How the value reaches the handler. */
type Via =
  /** Thrown from an async route, as the app's routes do. */
  | "throw"
  /** Passed to `next`, which is what Express does with any thrown value (lint forbids throwing non-Errors). */
  | "next"
  /** Handed to the handler directly: Express takes `next(null)` for "no error", so only this reaches it. */
  | "handler";

type Case = [label: string, make: (detail: string, marker: string) => unknown, expected: Expected, via?: Via];

const exposed = (status: number): Expected => ({ status, shows: "its message" });
const hidden = (status: number, says: string, retryAfter?: string): Expected =>
  retryAfter === undefined ? { status, says } : { status, says, retryAfter };

const cases: Case[] = [
  // Exposed: the request, the sign-in or the account is the problem.
  ["BadRequestError", (d) => new BadRequestError(d), exposed(400)],
  ["ForbiddenRequestError", (d) => new ForbiddenRequestError(d), exposed(403)],
  ["MissingRoleError", (d) => new MissingRoleError(d), exposed(403)],
  ["NotFoundError", () => new NotFoundError(), { status: 404, says: NO_PAGE }],
  ["SignInFailedError", (d) => new SignInFailedError(d), exposed(400)],
  [
    "SignInFailedError at 403",
    (d) => new SignInFailedError(d, { status: 403, cause: new Error(d) }),
    exposed(403),
  ],
  ["GraphError at 400", (d) => new GraphError(400, d), exposed(400)],
  ["GraphError at 401", (d) => new GraphError(401, d, { graphStatus: 401 }), exposed(401)],
  ["GraphError at 403", (d) => new GraphError(403, d, { graphStatus: 403 }), exposed(403)],
  ["GraphError at 404", (d) => new GraphError(404, d, { graphStatus: 404 }), exposed(404)],
  [
    "GraphError at 403 naming a hidden text",
    (d) => new GraphError(403, d, { hiddenText: "graphClaimsLoop" }),
    exposed(403),
  ],
  ["GraphError at 499", (d) => new GraphError(499, d), exposed(499)],

  // Sign-in required: a redirect through sign-in, nothing of the reason on the way.
  [
    "SignInRequiredError",
    (d) => new SignInRequiredError(d, { cause: new Error(d) }),
    { status: 303, extraScopes: "" },
  ],
  [
    "SignInRequiredError with scopes",
    (d) => new SignInRequiredError(d, { scopes: ["User.Read", "Calendars.Read"] }),
    // User.Read is asked for at every sign-in, so only Calendars.Read is named.
    { status: 303, extraScopes: "Calendars.Read" },
  ],

  // Hidden: a fault of ours or of a service, at every status the classes can carry.
  [
    "SignInFailedError at 502",
    (d) => new SignInFailedError(d, { status: 502, cause: new Error(d) }),
    hidden(502, SIGN_IN_SERVICE),
  ],
  [
    "SignInFailedError at 500",
    (d) => new SignInFailedError(d, { status: 500 }),
    hidden(500, SIGN_IN_SERVICE),
  ],
  [
    "SignInFailedError claiming 200",
    (d) => new SignInFailedError(d, { status: 200 }),
    hidden(500, SIGN_IN_SERVICE),
  ],
  [
    "SignInFailedError claiming 302",
    (d) => new SignInFailedError(d, { status: 302 }),
    hidden(500, SIGN_IN_SERVICE),
  ],
  ["IdentityProviderError", (d) => new IdentityProviderError(d), hidden(502, SIGN_IN_SERVICE)],
  [
    "IdentityProviderError with a cause",
    (d, m) =>
      new IdentityProviderError(`invalid_client ${m}: An administrator must check`, { cause: new Error(d) }),
    hidden(502, SIGN_IN_SERVICE),
  ],
  [
    "IdentityProviderBusyError",
    (d) => new IdentityProviderBusyError(42, { cause: new Error(d) }),
    hidden(503, SIGN_IN_BUSY, "42"),
  ],
  ["GraphError at 500", (d) => new GraphError(500, d, { graphStatus: 500 }), hidden(500, GRAPH_FAILED)],
  ["GraphError at 502", (d) => new GraphError(502, d, { graphStatus: 500 }), hidden(502, GRAPH_FAILED)],
  [
    "GraphError unreachable",
    (d) => new GraphError(502, d, { cause: new Error(d), hiddenText: "graphUnreachable" }),
    hidden(502, GRAPH_UNREACHABLE),
  ],
  [
    "GraphError unreadable",
    (d) => new GraphError(502, d, { graphStatus: 200, hiddenText: "graphUnreadable" }),
    hidden(502, GRAPH_UNREADABLE),
  ],
  [
    "GraphError refusing the sign-in",
    (d, m) =>
      new GraphError(502, d, {
        graphStatus: 401,
        claimsChallenge: `{"m":"${m}"}`,
        hiddenText: "graphRefusedSignIn",
      }),
    hidden(502, GRAPH_REFUSED),
  ],
  [
    "GraphError in a claims loop",
    (d) => new GraphError(502, d, { graphStatus: 401, cause: new Error(d), hiddenText: "graphClaimsLoop" }),
    hidden(502, GRAPH_CLAIMS_LOOP),
  ],
  [
    "GraphError at 503",
    (d) => new GraphError(503, d, { graphStatus: 429, retryAfterSeconds: 120 }),
    hidden(503, GRAPH_BUSY, "120"),
  ],
  ["GraphError at 504", (d) => new GraphError(504, d, { cause: new Error(d) }), hidden(504, GRAPH_TIMEOUT)],
  ["GraphError at 599", (d) => new GraphError(599, d), hidden(599, GRAPH_FAILED)],
  ["GraphError claiming 200", (d) => new GraphError(200, d), hidden(500, GRAPH_FAILED)],
  ["GraphError claiming 302", (d) => new GraphError(302, d), hidden(500, GRAPH_FAILED)],
  ["GraphError claiming 600", (d) => new GraphError(600, d), hidden(500, GRAPH_FAILED)],
  ["GraphError claiming NaN", (d) => new GraphError(Number.NaN, d), hidden(500, GRAPH_FAILED)],
  [
    "SessionStoreError",
    (d) => new SessionStoreError(d, { cause: new Error(d) }),
    hidden(503, SESSION_STORE, "5"),
  ],
  [
    "SessionStoreError at sign-in",
    (d) => new SessionStoreError(d, { cause: new Error(d), atSignIn: true }),
    hidden(503, SESSION_STORE_AT_SIGN_IN, "5"),
  ],
  ["DeadlineExceededError", (d) => new DeadlineExceededError(d, 2_000), hidden(504, DEPENDENCY_TIMEOUT)],
  ["CorruptTokenCacheError", (d) => new CorruptTokenCacheError(d), hidden(500, UNEXPECTED)],
  ["MisconfiguredProxyError", (d) => new MisconfiguredProxyError(d), hidden(500, SITE_MISCONFIGURED)],
  [
    "MisconfiguredProxyError without a detail",
    () => new MisconfiguredProxyError(),
    hidden(500, SITE_MISCONFIGURED),
  ],
  ["ConfigError", (d) => new ConfigError([d, "PORT: Expected number"]), hidden(500, UNEXPECTED)],
  [
    "RedisUnavailableError",
    (d, m) => new RedisUnavailableError(`redis://app:hunter2@${m}.idp.internal.example:6379`, d),
    hidden(500, UNEXPECTED),
  ],
  [
    "SqliteUnavailableError",
    (d, m) => new SqliteUnavailableError(`/srv/${m}/idp.internal.example/sessions.sqlite`, d),
    hidden(500, UNEXPECTED),
  ],

  // Not the app's: nothing they say was written for a page.
  ["an Error", (d) => new Error(d), hidden(500, UNEXPECTED)],
  ["a TypeError", (d) => new TypeError(d), hidden(500, UNEXPECTED)],
  [
    "an AggregateError",
    (d) => new AggregateError([new Error(d)], "several failures"),
    hidden(500, UNEXPECTED),
  ],
  [
    "an Error wrapping an exposed AppError",
    (d) => new Error("wrapped", { cause: new BadRequestError(d) }),
    hidden(500, UNEXPECTED),
  ],
  [
    "an Error with status 500 and expose true",
    (d) => Object.assign(new Error(d), { status: 500, expose: true }),
    hidden(500, UNEXPECTED),
  ],
  [
    "a body-parser-like 413",
    (d) =>
      Object.assign(new Error(d), { status: 413, statusCode: 413, expose: true, type: "entity.too.large" }),
    { status: 413, says: FORM_REJECTED },
  ],
  [
    "a body-parser-like 400 with a title",
    (d) => Object.assign(new Error(d), { status: 400, expose: true, title: d, type: "entity.parse.failed" }),
    { status: 400, says: FORM_REJECTED },
  ],
  [
    "an Error with status 404 and expose false",
    (d) => Object.assign(new Error(d), { status: 404, expose: false }),
    hidden(500, UNEXPECTED),
  ],
  [
    "an Error claiming status 200",
    (d) => Object.assign(new Error(d), { status: 200, expose: true }),
    hidden(500, UNEXPECTED),
  ],
  [
    "an object with status 500 and expose true",
    (d) => ({ status: 500, expose: true, message: d }),
    hidden(500, UNEXPECTED),
    "next",
  ],
  [
    "an object claiming status 200",
    (d) => ({ status: 200, expose: true, message: d }),
    hidden(500, UNEXPECTED),
    "next",
  ],
  [
    "an object claiming status 302",
    (d) => ({ status: 302, expose: true, message: d, title: d }),
    hidden(500, UNEXPECTED),
    "next",
  ],
  [
    "an object shaped like an AppError",
    (d) => ({ status: 400, expose: true, message: d, title: d, name: "BadRequestError" }),
    { status: 400, says: FORM_REJECTED },
    "next",
  ],
  ["a string", (d) => d, hidden(500, UNEXPECTED), "next"],
  ["a number", () => 42, hidden(500, UNEXPECTED), "next"],
  ["null", () => null, hidden(500, UNEXPECTED), "handler"],
  ["undefined", () => undefined, hidden(500, UNEXPECTED), "handler"],
];

/** EJS's escaping, so that an exposed message can be found on the page as EJS writes it. */
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c]!,
  );

interface LogLine {
  msg?: string;
  requestId?: string;
  reason?: string;
}

describe("error pages", () => {
  const markers = cases.map((_, i) => `mk${i}x${randomBytes(6).toString("hex")}`);
  const logLines: string[] = [];
  // The app's own logger configuration (redaction, masking), writing into memory.
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const handler = createErrorHandler(logger, ["openid", "profile", "offline_access", "User.Read"]);
  const server = createServer();
  let baseUrl: string;

  const valueOf = (index: number) => cases[index]![1](detailWith(markers[index]!), markers[index]!);

  before(async () => {
    const app = express();
    useTemplates(app, { viewsDir: projectPaths().views, reload: false });
    app.locals.environmentNotice = "";
    app.use(requestLogging(logger));
    app.get("/throw/:index", async (req: Request, res: Response, next: NextFunction) => {
      const index = Number(req.params.index);
      const via = cases[index]![3] ?? "throw";
      const value = valueOf(index);
      if (via === "throw") throw value as Error;
      if (via === "next") next(value);
      else handler(value, req, res, next);
    });
    app.post("/form", express.urlencoded({ extended: false, limit: 64 }), (_req, res) => {
      res.send("accepted");
    });
    app.get("/after-the-response", async (_req, res) => {
      res.send("complete");
      throw new IdentityProviderError(detailWith("mkafter"));
    });
    app.use(handler);
    server.on("request", app);
    baseUrl = await listenOnLoopback(server);
  });
  after(() => closeNow(server));

  const parsedLines = () => logLines.map((line) => JSON.parse(line) as LogLine);

  cases.forEach(([label, , expected], index) => {
    const marker = markers[index]!;
    const outcome =
      "extraScopes" in expected
        ? "redirects through sign-in and logs the reason"
        : "shows" in expected
          ? `answers ${expected.status} showing its message`
          : `answers ${expected.status} with a fixed sentence and the reference, the detail only in the log`;

    it(`GET a page, when it fails with ${label}, ${outcome}`, async () => {
      const response = await fetch(`${baseUrl}/throw/${index}`, { redirect: "manual" });
      const body = await response.text();

      assert.equal(response.status, expected.status);
      if ("extraScopes" in expected) {
        const scopes = expected.extraScopes ? `&scopes=${expected.extraScopes}` : "";
        assert.equal(response.headers.get("location"), `/auth/signin?returnTo=%2Fthrow%2F${index}${scopes}`);
        assert.ok(!body.includes(marker), "the reason is not in the answer");
        const line = parsedLines().find((l) => l.msg === "sign-in required" && l.reason?.includes(marker));
        assert.ok(line?.requestId, "the reason is logged under the request id");
        return;
      }

      const message = /<p class="error-message">([^]*?)<\/p>/.exec(body)?.[1];
      const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(body)?.[1];
      assert.ok(reference, "the page gives the reference id");
      const value = valueOf(index);
      const shown = "shows" in expected ? escapeHtml((value as Error).message) : escapeHtml(expected.says);
      assert.equal(message, shown);
      assert.equal(response.headers.get("retry-after"), expected.retryAfter ?? null);
      if ("says" in expected) {
        assert.ok(!body.includes(marker), "no part of the detail is on the page");
        for (const bit of SECRET_BITS) assert.ok(!body.includes(bit), `"${bit}" is not on the page`);
      }

      const lines = logLines.filter((line) => (JSON.parse(line) as LogLine).requestId === reference);
      assert.equal(lines.length, 1, "one line from the error handler under the page's reference");
      // Values with no text of their own (null, a number, NotFoundError) have no marker to find.
      if (inspect(value, { depth: 5 }).includes(marker)) {
        assert.ok(lines[0]!.includes(marker), `the log line holds the detail: ${lines[0]}`);
      }
      assert.ok(!lines[0]!.includes("hunter2"), "secret-looking values are masked in the log");
    });
  });

  it("POST a form, when the body is over express.urlencoded's limit, answers 413 with a fixed sentence", async () => {
    const response = await fetch(`${baseUrl}/form`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `field=${"x".repeat(500)}`,
    });
    const body = await response.text();

    assert.equal(response.status, 413);
    assert.match(body, new RegExp(escapeHtml(FORM_REJECTED).replace(/[.]/g, "\\.")));
    assert.ok(!body.includes("request entity too large"), "body-parser's own words stay off the page");
    const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(body)?.[1];
    const line = logLines.find((l) => (JSON.parse(l) as LogLine).requestId === reference);
    assert.ok(line?.includes("request entity too large"), "and go to the log");
  });

  it("GET a page, when it fails after its answer was sent, keeps the answer and logs the detail", async () => {
    const response = await fetch(`${baseUrl}/after-the-response`);

    assert.equal(response.status, 200);
    assert.equal(await response.text(), "complete");
    const line = parsedLines().find((l) => l.msg === "error after the response started");
    assert.ok(line && JSON.stringify(line).includes("mkafter"));
  });

  it("the table, when a class is added to src/errors.ts, has rows for it and for every hidden sentence", () => {
    const exported = errors as Record<string, unknown>;
    const abstract = new Set<unknown>([AppError, exported.StartupError]);
    const classes = Object.values(exported).filter(
      (value): value is { name: string; prototype: unknown } =>
        typeof value === "function" && value.prototype instanceof Error && !abstract.has(value),
    );
    const covered = new Set<unknown>(cases.map(([, make]) => (make("x", "x") as object | null)?.constructor));
    const missing = classes.filter((c) => !covered.has(c)).map((c) => c.name);
    assert.deepEqual(missing, [], "every exported error class has rows here");

    const said = new Set(cases.map(([, , expected]) => ("says" in expected ? expected.says : undefined)));
    const sentences = Object.values(exported.HIDDEN_ERROR_TEXT ?? {}) as string[];
    assert.ok(sentences.length > 0, "src/errors.ts lists what hidden errors say");
    assert.deepEqual(
      sentences.filter((sentence) => !said.has(sentence)),
      [],
      "every sentence a hidden error can show is checked",
    );
  });
});
