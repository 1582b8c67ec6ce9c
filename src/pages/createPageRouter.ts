/** The pages: home (anyone) and profile (signed-in users; Graph `/v1.0/me`). */
import { Router } from "express";
import type { AppConfig } from "../config/settings.js";
import type { GraphClient } from "../graph/createGraphClient.js";
import { requireSignIn } from "../auth/requireSignIn.js";
import { callWithToken } from "../graph/callWithToken.js";

export function createPageRouter(deps: { config: AppConfig; graph: GraphClient }): Router {
  const router = Router();

  router.get("/", (_req, res) => {
    res.render("home");
  });

  router.get("/profile", requireSignIn, async (req, res) => {
    // requireSignIn guarantees a token source for this request.
    const context = { tokens: req.tokens!, session: req.session };
    const profile = await callWithToken(context, deps.config.auth.scopes, (token) =>
      deps.graph.getMe(token, res.locals.requestId),
    );
    res.render("profile", { profile });
  });

  return router;
}
