/**
 * The sign-in routes: /auth/signin starts an authorization-code request, /auth/redirect completes it;
 * the sign-out forms are signOut.ts's.
 */
import { Router } from "express";
import type { AppConfig } from "../config/settings.js";
import type { Logger } from "../logger.js";
import type { AppMetrics } from "../metrics/createMetrics.js";
import type { AccountSessions } from "../session/accountSessions.js";
import { createCompleteSignIn } from "./completeSignIn.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import type { AuthorityMetadata } from "./discoverAuthority.js";
import { createSignInTransactions } from "./signInTransactions.js";
import { createSignOutRouter } from "./signOut.js";
import { createStartSignIn } from "./startSignIn.js";
import type { TokenCacheCipher } from "./tokenCacheCipher.js";

export interface AuthRouterDeps {
  config: AppConfig;
  clients: MsalClientFactory;
  metadata: AuthorityMetadata;
  cipher: TokenCacheCipher;
  logger: Logger;
  metrics: AppMetrics;
  accountSessions: AccountSessions;
}

export function createAuthRouter(deps: AuthRouterDeps): Router {
  const { config } = deps;
  const router = Router();

  const transactions = createSignInTransactions({
    secrets: config.session.secrets,
    secureCookie: config.session.secureCookie,
  });
  router.get("/signin", createStartSignIn(deps, transactions));
  const completeSignIn = createCompleteSignIn(deps, transactions);
  // Every way the callback can end is a sign-in outcome: counted here, around the whole handler.
  router.get("/redirect", async (req, res) => {
    try {
      await completeSignIn(req, res);
      deps.metrics.signIn("succeeded", "none");
    } catch (error) {
      deps.metrics.signIn("failed", error instanceof Error ? error.name : "unknown");
      throw error;
    }
  });
  router.use(createSignOutRouter(deps));
  return router;
}
