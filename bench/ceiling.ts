/**
 * The ceiling: what /profile could cost at best in this design. `GET /bench/ceiling` is mounted by
 * createApp (its `routesBeforeTokenCache` seam) behind the same request log, metrics, security
 * headers, session middleware and absolute-timeout check as /profile; it checks that the session is
 * signed in, calls the same Graph stand-in with one fixed access token and renders the same page. It
 * skips only MSAL and the token-cache middleware.
 */
import type { Agent } from "node:https";
import { Router } from "express";
import type { AppConfig } from "../src/config/settings.js";
import { createGraphClient } from "../src/graph/createGraphClient.js";
import { readAccount, readCsrfToken } from "../src/session/sessionState.js";

export const CEILING_PATH = "/bench/ceiling";

export interface CeilingToken {
  /** Set once from a signed-in session's cache, before any load (see bench/seed.ts). */
  value: string | undefined;
}

export function createCeilingRouter(deps: {
  config: AppConfig;
  httpsAgent: Agent;
  token: CeilingToken;
}): Router {
  const graph = createGraphClient(deps.config.graph, deps.httpsAgent);
  const router = Router();
  router.get(CEILING_PATH, async (req, res) => {
    const account = readAccount(req.session);
    if (!account) {
      res.redirect(303, "/auth/signin");
      return;
    }
    if (deps.token.value === undefined) throw new Error("the ceiling's access token is not set");
    const profile = await graph.getMe(deps.token.value, res.locals.requestId);
    res.locals.account = account;
    res.locals.csrfToken = readCsrfToken(req.session);
    res.render("profile", { title: "Profile", profile });
  });
  return router;
}
