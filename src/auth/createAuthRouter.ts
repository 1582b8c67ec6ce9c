/**
 * The sign-in routes: /auth/signin starts an authorization-code request, /auth/redirect completes it,
 * POST /auth/signout ends the session and the provider's.
 */
import express, { Router } from "express";
import type { AppConfig } from "../config/settings.js";
import type { Logger } from "../logger.js";
import type { AppMetrics } from "../metrics/createMetrics.js";
import { readSignedInAccount } from "../session/readAccount.js";
import { destroySession } from "../session/sessionOps.js";
import { createCompleteSignIn } from "./completeSignIn.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import { requireCsrfToken } from "./csrf.js";
import type { AuthorityMetadata } from "./discoverAuthority.js";
import { createSignInTransactions } from "./signInTransactions.js";
import { createStartSignIn } from "./startSignIn.js";
import type { TokenCacheCipher } from "./tokenCacheCipher.js";

/**
 * What a browser kept of the signed-in user goes with the sign-out: its HTTP cache (pages are no-store,
 * but a browser or an older version of the app may hold something) and any storage. Not "cookies":
 * that would clear every cookie of the whole registrable domain; the session cookie is cleared by name.
 */
const CLEAR_SITE_DATA = '"cache", "storage"';

export interface AuthRouterDeps {
  config: AppConfig;
  clients: MsalClientFactory;
  metadata: AuthorityMetadata;
  cipher: TokenCacheCipher;
  logger: Logger;
  metrics: AppMetrics;
}

export function createAuthRouter(deps: AuthRouterDeps): Router {
  const { config, metadata } = deps;
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
  router.post(
    "/signout",
    express.urlencoded({ extended: false, limit: "2kb", parameterLimit: 10 }),
    (req, res, next) => {
      if (readSignedInAccount(req.session)) {
        next();
        return;
      }
      res.set("Clear-Site-Data", CLEAR_SITE_DATA).redirect(303, "/");
    },
    requireCsrfToken,
    async (req, res) => {
      // Deletes the session (and the token cache in it) from the store; the id is never reused.
      await destroySession(req.session);
      res.set("Clear-Site-Data", CLEAR_SITE_DATA);
      res.clearCookie(config.session.cookieName, {
        path: "/",
        httpOnly: true,
        secure: config.session.secureCookie,
      });
      const logout = new URL(metadata.endSessionEndpoint);
      logout.searchParams.set("post_logout_redirect_uri", config.auth.postLogoutRedirectUri);
      logout.searchParams.set("client_id", config.auth.clientId);
      res.redirect(303, logout.href);
    },
  );
  return router;
}
