/**
 * The per-request token cache. For a signed-in session it gives the request a TokenSource bound to
 * that session's serialized cache (a fresh MSAL client, built only if the route asks for a token),
 * and exposes the account to the views. Nothing user-specific outlives the request.
 */
import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";
import type { AppMetrics } from "../metrics/createMetrics.js";
import { forgetUnreadableAccount, readAccount, readCsrfToken } from "../session/sessionState.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import { createTokenSource } from "./createTokenSource.js";
import { createInFlightCalls } from "./inFlightCalls.js";
import type { TokenCacheCipher } from "./tokenCacheCipher.js";

export function createTokenCacheMiddleware(deps: {
  clients: MsalClientFactory;
  cipher: TokenCacheCipher;
  now: () => number;
  logger: Logger;
  metrics: AppMetrics;
}): RequestHandler {
  const inFlight = createInFlightCalls();
  return (req, res, next) => {
    const session = req.session;
    const account = readAccount(session);
    if (!account) {
      // A malformed account from the store counts as signed out.
      if (session) forgetUnreadableAccount(session);
      next();
      return;
    }
    res.locals.account = account;
    res.locals.csrfToken = readCsrfToken(session);
    req.tokens = createTokenSource({
      session,
      account,
      clients: deps.clients,
      cipher: deps.cipher,
      now: deps.now,
      metrics: deps.metrics,
      inFlight,
      response: res,
      correlationId: res.locals.requestId,
      logger: deps.logger,
    });
    next();
  };
}
