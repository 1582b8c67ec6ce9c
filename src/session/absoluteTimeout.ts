/**
 * The absolute session timeout: however active, a sign-in ends this long after it happened. The idle
 * timeout needs no code here: it is the store entry's TTL, which express-session's touch extends on
 * each request, so the server forgets an idle session by itself.
 */
import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";
import { readSignedInAccount } from "./readAccount.js";
import { regenerateSession } from "./sessionOps.js";

export function createAbsoluteTimeout(absoluteTimeoutMs: number, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const account = readSignedInAccount(req.session);
    if (account && Date.now() - account.signedInAt > absoluteTimeoutMs) {
      // A new, empty session under a new id; the old one is deleted from the store.
      await regenerateSession(req.session);
      logger.info({ requestId: res.locals.requestId }, "session reached its absolute timeout");
    }
    next();
  };
}
