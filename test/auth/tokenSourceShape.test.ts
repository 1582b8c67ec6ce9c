/**
 * What hangs on every signed-in request (`req.tokens`, and the session's cache slot inside it) keeps
 * its state in fields, never in per-request closures: closures (and literals holding them) reachable
 * from the request kept whole requests alive through young-generation collections, so that a
 * quarter of each page's allocation was copied and promoted (bench: GC was the largest cost of the
 * home page). This pins the shape; `npm run bench` measures the effect.
 */
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { pino } from "pino";
import { createTokenSource } from "../../src/auth/createTokenSource.js";
import type { MsalClientFactory } from "../../src/auth/createMsalClientFactory.js";
import { createInFlightCalls } from "../../src/auth/inFlightCalls.js";
import { createTokenCacheCipher } from "../../src/auth/tokenCacheCipher.js";
import { createMetrics } from "../../src/metrics/createMetrics.js";
import type { SignedInAccount } from "../../src/session/sessionData.js";
import { sessionTokenCache } from "../../src/session/sessionState.js";
import type { AppSession } from "../../src/session/sessionState.js";

const account: SignedInAccount = {
  homeAccountId: "oid.tid",
  name: "Ada",
  username: "ada@contoso.example",
  tenantId: "tid",
  objectId: "oid",
  subject: "sub",
  issuer: "https://login.microsoftonline.com/tid/v2.0",
  signedInAt: 0,
};
const session = { id: "sid", account } as unknown as AppSession;
const cipher = createTokenCacheCipher([]);

/** Collaborators shared by every request (the clock, clients, logger, metrics…), made once. */
const SHARED = new Set([
  "now",
  "clients",
  "cipher",
  "logger",
  "metrics",
  "inFlight",
  "sealing",
  "session",
  "response",
  "account",
]);

/** Own properties whose values are functions, on the object and on the objects it holds. */
function functionsHeld(value: object, depth = 2): string[] {
  const found: string[] = [];
  for (const [name, held] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
    if (SHARED.has(name)) continue;
    const inner: unknown = held.value;
    if (typeof inner === "function" || held.get !== undefined) found.push(name);
    else if (depth > 1 && typeof inner === "object" && inner !== null && !Array.isArray(inner)) {
      found.push(...functionsHeld(inner, depth - 1).map((n) => `${name}.${n}`));
    }
  }
  return found;
}

describe("what a signed-in request carries", () => {
  const cases: Array<[what: string, made: () => object]> = [
    [
      "the token source (req.tokens)",
      () =>
        createTokenSource({
          session,
          account,
          clients: { clientId: "client" } as MsalClientFactory,
          cipher,
          now: Date.now,
          inFlight: createInFlightCalls(),
          response: { writableEnded: true } as ServerResponse,
          correlationId: "c",
          logger: pino({ level: "silent" }),
          metrics: createMetrics(),
        }),
    ],
    [
      "the session's cache slot",
      () => sessionTokenCache(session, account.homeAccountId, { cipher, now: Date.now }),
    ],
  ];
  for (const [what, made] of cases) {
    it(`${what}, made for one request, holds no functions of its own (its methods are its class's)`, () => {
      const object = made();

      assert.deepEqual(functionsHeld(object), []);
      assert.notEqual(Object.getPrototypeOf(object), Object.prototype, "an instance of a class");
    });
  }
});
