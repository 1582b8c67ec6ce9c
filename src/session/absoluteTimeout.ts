/**
 * The absolute session timeout: however active, a sign-in ends this long after it happened. The idle
 * timeout needs no code here: it is the store entry's TTL, which express-session's touch extends on
 * each request, so the server forgets an idle session by itself.
 */
import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";
import { regenerateSession } from "./sessionOps.js";
import { readAccount } from "./sessionState.js";

export function createAbsoluteTimeout(deps: {
  absoluteTimeoutMs: number;
  now: () => number;
  logger: Logger;
}): RequestHandler {
  const { absoluteTimeoutMs, now, logger } = deps;
  // Not an async function: every request passes here, and only the rare expired one has to wait.
  return (req, res, next) => {
    const account = readAccount(req.session);
    if (!account || now() - account.signedInAt <= absoluteTimeoutMs) {
      next();
      return undefined;
    }
    // A new, empty session under a new id; the old one is deleted from the store.
    return regenerateSession(req.session).then(() => {
      logger.info({ requestId: res.locals.requestId }, "session reached its absolute timeout");
      next();
    });
  };
}
