/**
 * constantHeaders (securityHeaders.ts): a header policy is worked out once only when it is
 * constant. One that completes at once and reads nothing gives every response the same headers, set
 * and removed in its order; one that waits, fails, never completes, or reads the request or the
 * response (a CSP nonce) is refused when the app is built, since a value worked out once would then
 * be the same for everyone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RequestHandler, Response } from "express";
import helmet from "helmet";
import { constantHeaders } from "../../src/http/securityHeaders.js";

/** What a built middleware does to a response: the headers it ends with, and whether it went on. */
function applied(middleware: RequestHandler, start: Record<string, string> = {}) {
  const headers = new Map(Object.entries(start));
  let wentOn = false;
  const res = {
    setHeader: (name: string, value: string) => void headers.set(name.toLowerCase(), value),
    removeHeader: (name: string) => void headers.delete(name.toLowerCase()),
  } as unknown as Response;
  void middleware({} as never, res, () => (wentOn = true));
  return { headers: Object.fromEntries(headers), wentOn };
}

describe("constantHeaders", () => {
  it("a policy that sets and removes headers at once gives each response the same, in order", () => {
    const built = constantHeaders((_req, res, next) => {
      res.setHeader("X-One", "1");
      res.removeHeader("X-Old");
      res.setHeader("X-One", "2");
      next();
    });

    for (let i = 0; i < 3; i++) {
      assert.deepEqual(applied(built, { "x-old": "stale", "x-kept": "k" }), {
        headers: { "x-kept": "k", "x-one": "2" },
        wentOn: true,
      });
    }
  });

  it("helmet's policy, worked out once, sets what helmet itself sets", () => {
    const policy = helmet({ contentSecurityPolicy: { useDefaults: true }, strictTransportSecurity: false });

    assert.deepEqual(applied(constantHeaders(policy)).headers, applied(policy).headers);
  });

  const refused: Array<[what: string, policy: RequestHandler, message: RegExp]> = [
    ["completes later", (_req, _res, next) => void setImmediate(next), /not complete at once/],
    ["never completes", () => undefined, /not complete at once/],
    ["fails", (_req, _res, next) => next(new Error("policy failed")), /not complete at once/],
    [
      "reads the request's headers",
      (req, _res, next) => (req.headers.host ? next() : next()),
      /reads the request/,
    ],
    [
      "reads the request's path",
      (req, _res, next) => (req.path === "/" ? next() : next()),
      /reads the request/,
    ],
    [
      "reads res.locals (a nonce)",
      (_req, res, next) => (res.locals.nonce ? next() : next()),
      /reads the response/,
    ],
    [
      "is helmet with a CSP nonce taken from the response",
      helmet.contentSecurityPolicy({
        directives: {
          scriptSrc: ["'self'", (_req, res) => `'nonce-${String((res as Response).locals.nonce)}'`],
        },
      }),
      /not complete at once/,
    ],
  ];
  for (const [what, policy, message] of refused) {
    it(`a policy that ${what} is refused when the app is built`, () => {
      assert.throws(() => constantHeaders(policy), message);
    });
  }
});
