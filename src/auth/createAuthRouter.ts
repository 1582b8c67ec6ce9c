/**
 * The sign-in routes: /auth/signin starts an authorization-code request, /auth/switch-account starts
 * one at the account picker, /auth/redirect completes either; the sign-out forms are signOut.ts's.
 * Each step gets only what it uses.
 */
import { Router } from "express";
import type { AuthSettings, SessionSettings } from "../config/settings.js";
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
  auth: AuthSettings;
  sessionSettings: Pick<SessionSettings, "secrets" | "secureCookie" | "cookieName">;
  clients: MsalClientFactory;
  metadata: Pick<AuthorityMetadata, "issuer" | "endSessionEndpoint">;
  cipher: TokenCacheCipher;
  now: () => number;
  logger: Logger;
  metrics: AppMetrics;
  accountSessions: AccountSessions;
}

export function createAuthRouter(deps: AuthRouterDeps): Router {
  const { auth, sessionSettings, clients, metadata, cipher, now, logger, metrics, accountSessions } = deps;
  const router = Router();

  const transactions = createSignInTransactions({
    secrets: sessionSettings.secrets,
    secureCookie: sessionSettings.secureCookie,
    now,
  });
  router.get("/signin", createStartSignIn({ auth, clients, transactions }));
  router.get("/switch-account", createStartSignIn({ auth, clients, transactions, selectAccount: true }));
  const completeSignIn = createCompleteSignIn({
    auth,
    clients,
    issuer: metadata.issuer,
    transactions,
    sealing: { cipher, now },
    logger,
  });
  // Every way the callback can end is a sign-in outcome: counted here, around the whole handler.
  router.get("/redirect", async (req, res) => {
    try {
      await completeSignIn(req, res);
      metrics.signIn("succeeded", "none");
    } catch (error) {
      metrics.signIn("failed", error instanceof Error ? error.name : "unknown");
      throw error;
    }
  });
  router.use(
    createSignOutRouter({
      auth,
      sessionCookie: sessionSettings,
      endSessionEndpoint: metadata.endSessionEndpoint,
      accountSessions,
      logger,
    }),
  );
  return router;
}
