/**
 * The sign-in flow: /auth/signin starts an authorization-code request with PKCE, state and nonce;
 * /auth/redirect redeems the code, checks the ID token and starts a fresh session holding only this
 * account's cache; POST /auth/signout ends the session and the provider's.
 */
import { randomBytes } from "node:crypto";
import express, { Router } from "express";
import { CryptoProvider } from "@azure/msal-node";
import type { AppConfig } from "../config/settings.js";
import { IdentityProviderError, SignInFailedError } from "../errors.js";
import { optionalParam, requiredParam } from "../http/params.js";
import type { Logger } from "../logger.js";
import { readSignedInAccount } from "../session/readAccount.js";
import { destroySession, regenerateSession, saveSession } from "../session/sessionOps.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import { newCsrfToken, requireCsrfToken } from "./csrf.js";
import type { AuthorityMetadata } from "./discoverAuthority.js";
import { rememberPendingSignIn, takePendingSignIn } from "./pendingSignIns.js";
import { safeReturnTo } from "./returnTo.js";
import { describeProviderError } from "./describeProviderError.js";
import { createSessionCachePlugin } from "./sessionCachePlugin.js";
import { translateMsalError } from "./translateMsalError.js";
import { validateIdTokenClaims } from "./validateIdTokenClaims.js";

export interface AuthRouterDeps {
  config: AppConfig;
  clients: MsalClientFactory;
  metadata: AuthorityMetadata;
  logger: Logger;
}

const randomToken = () => randomBytes(32).toString("base64url");

export function createAuthRouter({ config, clients, metadata, logger }: AuthRouterDeps): Router {
  const { auth } = config;
  const pkce = new CryptoProvider();
  const router = Router();

  router.get("/signin", async (req, res) => {
    const returnTo = safeReturnTo(optionalParam(req.query, "returnTo"));
    const state = randomToken();
    const nonce = randomToken();
    const { verifier, challenge } = await pkce.generatePkceCodes();
    rememberPendingSignIn(req.session, state, {
      nonce,
      codeVerifier: verifier,
      returnTo,
      createdAt: Date.now(),
    });
    const url = await clients.create().getAuthCodeUrl({
      scopes: [...auth.scopes],
      redirectUri: auth.redirectUri,
      responseMode: "query",
      state,
      nonce,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      correlationId: res.locals.requestId,
    });
    // Saved before redirecting so the callback, possibly on another instance, finds the state.
    await saveSession(req.session);
    res.redirect(url);
  });

  router.get("/redirect", async (req, res) => {
    const state = requiredParam(req.query, "state", 512);
    const pending = takePendingSignIn(req.session, state);
    if (!pending) {
      throw new SignInFailedError(
        "This sign-in response does not belong to a sign-in started in this browser, or it has expired. Please sign in again.",
      );
    }
    // The transaction is gone from the store before any token call: a replayed callback makes none.
    await saveSession(req.session);
    const error = optionalParam(req.query, "error", 256);
    if (error !== undefined) {
      throw new SignInFailedError(
        describeProviderError(error, optionalParam(req.query, "error_description")),
      );
    }
    const code = requiredParam(req.query, "code", 8192);

    let serializedCache: string | undefined;
    const client = clients.create(
      createSessionCachePlugin({
        read: () => serializedCache,
        write: (serialized) => {
          serializedCache = serialized;
        },
      }),
    );
    let result;
    try {
      result = await client.acquireTokenByCode({
        code,
        scopes: [...auth.scopes],
        redirectUri: auth.redirectUri,
        codeVerifier: pending.codeVerifier,
        nonce: pending.nonce,
        correlationId: res.locals.requestId,
      });
    } catch (cause) {
      const translated = translateMsalError(cause);
      if (translated instanceof IdentityProviderError) throw translated;
      throw new SignInFailedError(
        "The sign-in could not be completed: the response was already used, has expired, or was refused. Please sign in again.",
        { cause },
      );
    }
    validateIdTokenClaims(result.idTokenClaims, {
      issuer: metadata.issuer,
      clientId: auth.clientId,
      nonce: pending.nonce,
    });
    const account = result.account;
    if (!account?.homeAccountId || serializedCache === undefined) {
      throw new IdentityProviderError("The identity provider's answer did not identify an account.");
    }

    await regenerateSession(req.session);
    req.session.account = {
      homeAccountId: account.homeAccountId,
      name: account.name ?? account.username,
      username: account.username,
      tenantId: account.tenantId,
    };
    req.session.tokenCache = serializedCache;
    req.session.csrfToken = newCsrfToken();
    // Saved here rather than as the response ends, so that a store failure is a 503, not a lost sign-in.
    await saveSession(req.session);
    logger.info({ correlationId: res.locals.requestId }, "signed in");
    res.redirect(303, pending.returnTo);
  });

  router.post(
    "/signout",
    express.urlencoded({ extended: false, limit: "2kb", parameterLimit: 10 }),
    (req, res, next) => (readSignedInAccount(req.session) ? next() : res.redirect(303, "/")),
    requireCsrfToken,
    async (req, res) => {
      await destroySession(req.session);
      res.clearCookie(config.session.cookieName, { path: "/" });
      const logout = new URL(metadata.endSessionEndpoint);
      logout.searchParams.set("post_logout_redirect_uri", auth.postLogoutRedirectUri);
      logout.searchParams.set("client_id", auth.clientId);
      res.redirect(303, logout.href);
    },
  );

  return router;
}
