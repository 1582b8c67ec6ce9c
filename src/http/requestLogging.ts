/**
 * One log line per request (pino-http) with a request id generated here, never taken from the
 * request. The same id is on error pages and is MSAL's correlation id. Only the path is logged: query
 * strings carry authorization codes and state.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "../logger.js";

const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

const pathOf = (url: string | undefined) => (url ?? "/").split("?")[0]!;

export function requestLogging(logger: Logger): RequestHandler {
  const log = pinoHttp({
    logger,
    genReqId: () => randomUUID(),
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(pathOf(req.url)) },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info",
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: pathOf(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
  return (req, res, next) => {
    log(req, res);
    res.locals.requestId = req.id as string;
    next();
  };
}
