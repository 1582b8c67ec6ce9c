/**
 * inSeries (src/http/inSeries.ts) runs middleware as one Express layer. It must behave as the same
 * middleware mounted one layer each: for every way a step can go on, fail or answer, a real Express
 * app over HTTP gives the same status, body and steps run either way.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import express from "express";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { inSeries } from "../../src/http/inSeries.js";
import { closeNow, listenOnLoopback } from "../support/loopback.js";

type Ran = string[];
type StepKind =
  | "next"
  | "next later"
  | "async next"
  | "error"
  | "error later"
  | "throws"
  | "throws a non-error"
  | "rejects"
  | "rejects with nothing"
  | "answers"
  | "answers later"
  | "route"
  | "router";

function step(name: string, kind: StepKind): RequestHandler {
  return (_req, res, next) => {
    (res.locals.ran as Ran).push(name);
    switch (kind) {
      case "next":
        next();
        return;
      case "next later":
        setImmediate(next);
        return;
      case "async next":
        return Promise.resolve().then(() => next());
      case "error":
        next(new Error(`${name} failed`));
        return;
      case "error later":
        setImmediate(() => next(new Error(`${name} failed later`)));
        return;
      case "throws":
        throw new Error(`${name} threw`);
      case "throws a non-error":
        throw "a string"; // eslint-disable-line @typescript-eslint/only-throw-error
      case "rejects":
        return Promise.reject(new Error(`${name} rejected`));
      case "rejects with nothing":
        return Promise.reject(); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
      case "answers":
        res.send(`answered by ${name} after ${(res.locals.ran as Ran).join(",")}`);
        return;
      case "answers later":
        setImmediate(() => res.send(`answered later by ${name}`));
        return;
      case "route":
        next("route");
        return;
      case "router":
        next("router");
        return;
    }
  };
}

/** The app around the steps: the same before and after, mounted as one series or one layer each. */
function appWith(kinds: StepKind[], mount: "inSeries" | "one layer each"): express.Express {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.ran = [];
    next();
  });
  const steps = kinds.map((kind, i) => step(`s${i + 1}`, kind));
  if (mount === "inSeries") app.use(inSeries(steps));
  else for (const s of steps) app.use(s);
  app.get("/", (_req, res) => {
    res.send(`route after ${(res.locals.ran as Ran).join(",")}`);
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const message = err instanceof Error ? err.message : String(err);
    res.status(500).send(`error "${message}" after ${(res.locals.ran as Ran).join(",")}`);
  };
  app.use(onError);
  return app;
}

const SCENARIOS: StepKind[][] = [
  ["next"],
  ["next", "next", "next"],
  ["next later", "async next", "next"],
  ["error", "next"],
  ["next", "error later", "next"],
  ["next", "throws", "next"],
  ["throws a non-error", "next"],
  ["async next", "rejects", "next"],
  ["rejects with nothing", "next"],
  ["next", "answers", "next"],
  ["answers later", "next"],
  ["next", "route", "next"],
  ["router", "next"],
  ["next later", "error", "answers"],
];

describe("inSeries behaves as one layer per middleware", () => {
  const servers = new Map<string, string>();
  const all: ReturnType<typeof createServer>[] = [];
  before(async () => {
    for (const kinds of SCENARIOS) {
      for (const mount of ["inSeries", "one layer each"] as const) {
        const server = createServer(appWith(kinds, mount));
        all.push(server);
        servers.set(`${mount}: ${kinds.join(" → ")}`, await listenOnLoopback(server));
      }
    }
  });
  after(() => {
    for (const server of all) closeNow(server);
  });

  for (const kinds of SCENARIOS) {
    it(kinds.join(" → "), async () => {
      const answers = await Promise.all(
        (["inSeries", "one layer each"] as const).map(async (mount) => {
          const response = await fetch(`${servers.get(`${mount}: ${kinds.join(" → ")}`)}/`);
          return { status: response.status, body: await response.text() };
        }),
      );
      assert.deepEqual(answers[0], answers[1]);
    });
  }

  it("the scenarios reach each ending: the route, an error, a step's answer, the 404", async () => {
    const body = async (kinds: StepKind[]) => {
      const response = await fetch(`${servers.get(`inSeries: ${kinds.join(" → ")}`)}/`);
      return `${response.status} ${await response.text()}`;
    };
    assert.equal(await body(["next", "next", "next"]), "200 route after s1,s2,s3");
    assert.equal(await body(["next", "throws", "next"]), '500 error "s2 threw" after s1,s2');
    assert.equal(await body(["rejects with nothing", "next"]), '500 error "Rejected promise" after s1');
    assert.equal(await body(["next", "answers", "next"]), "200 answered by s2 after s1,s2");
    assert.match(await body(["router", "next"]), /^404 /);
  });

  it("one step is itself, not wrapped", () => {
    const only = step("only", "next");
    assert.equal(inSeries([only]), only);
  });
});
