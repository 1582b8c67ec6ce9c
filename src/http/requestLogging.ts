/**
 * One log line per request, written when the response has gone out (or the connection closed before
 * it did), with a request id generated here, never taken from the request. The same id is on error
 * pages and is MSAL's correlation id. Only the path is logged: query strings carry authorization
 * codes and state.
 *
 * Written with the app's logger directly rather than through pino-http: pino-http builds a child
 * logger per request from a full copy of the request (headers included) that it then redacts, which
 * was the largest cost of a page after the session itself. The line keeps pino-http's shape
 * (`req.id`, `req.method`, `req.path`, `res.statusCode`, `responseTime`).
 */
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";

/** Polled every few seconds by orchestrators and scrapers: a line each would drown the rest. */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

const pathOf = (url: string) => {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
};

export function requestLogging(logger: Logger): RequestHandler {
  // The line holds only fields made here (an id, the method, the path without its query, a status
  // and a duration), none of them a header or a token object, so the logger's redaction by path has
  // nothing to find in it; skipping it spares a copy of the line per request. The token masking as
  // the line is written (a hook of the destination) still applies, e.g. to a token-shaped path.
  const requestLog = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const id = randomUUID();
    res.locals.requestId = id;
    const path = pathOf(req.url);
    if (!QUIET_PATHS.has(path)) {
      const started = Date.now();
      const method = req.method;
      // "close" comes once for every response: after "finish", or alone when the client went away.
      res.on("close", () => {
        const line = {
          req: { id, method, path },
          res: { statusCode: res.statusCode },
          responseTime: Date.now() - started,
        };
        if (!res.writableFinished) requestLog.warn(line, "request aborted before the response was sent");
        else if (res.statusCode >= 500) requestLog.error(line, "request failed");
        else if (res.statusCode >= 400) requestLog.warn(line, "request completed");
        else requestLog.info(line, "request completed");
      });
    }
    next();
  };
}
