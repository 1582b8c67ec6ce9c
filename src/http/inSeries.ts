/**
 * Several middleware run one after another as one Express layer. Express's router costs a few µs for
 * each layer a request passes (a path match, parameters, closures, tracing): the app's cross-cutting
 * steps match every path and use none of that, and every page passed each of them (bench, issue 15).
 *
 * The same contract as the router's: each step calls `next()` to go on, at once or later; an error
 * passed to `next`, thrown, or a rejected promise skips the remaining steps and goes to the outer
 * `next`, as does "router" (the outer router reads it); "route" goes on, as from any middleware. A
 * step that neither answers nor calls `next` ends the series there, as it would end the router's stack.
 * test/http/inSeries.test.ts holds it to the router's behaviour, case by case.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";

export function inSeries(steps: readonly RequestHandler[]): RequestHandler {
  if (steps.length === 1) return steps[0]!;
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (err?: unknown): void => {
      // As the router: "route" from a middleware means go on; any other truthy value is an error, or
      // "router" (leave the router), for the outer router to read.
      if (err && err !== "route") {
        next(err);
        return;
      }
      const handler = steps[index++];
      if (!handler) {
        next();
        return;
      }
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            // As the router: a promise rejected with nothing is still an error.
            next(error || new Error("Rejected promise"));
          });
        }
      } catch (error) {
        next(error);
      }
    };
    step();
  };
}
