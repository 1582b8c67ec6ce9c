/**
 * GET /auth/signin: a new authorization-code request with PKCE (S256), a 256-bit `state` and a
 * `nonce`, remembered in the session under its state. A claims challenge left by Graph in the session
 * goes out with it, so the new tokens satisfy the challenge.
 */
import { randomBytes } from "node:crypto";
import type { RequestHandler } from "express";
import { CryptoProvider } from "@azure/msal-node";
import { optionalParam } from "../http/params.js";
import { saveSession } from "../session/sessionOps.js";
import type { AuthRouterDeps } from "./createAuthRouter.js";
import { readClaimsRequest } from "./claimsChallenge.js";
import { rememberPendingSignIn } from "./pendingSignIns.js";
import { safeReturnTo } from "./returnTo.js";

const randomToken = () => randomBytes(32).toString("base64url");

export function createStartSignIn({ config, clients }: AuthRouterDeps): RequestHandler {
  const pkce = new CryptoProvider();
  return async (req, res) => {
    const returnTo = safeReturnTo(optionalParam(req.query, "returnTo"));
    const claims = readClaimsRequest(req.session.pendingClaims);
    delete req.session.pendingClaims;
    const state = randomToken();
    const nonce = randomToken();
    const { verifier, challenge } = await pkce.generatePkceCodes();
    rememberPendingSignIn(req.session, state, {
      nonce,
      codeVerifier: verifier,
      returnTo,
      createdAt: Date.now(),
      ...(claims ? { claims } : {}),
    });
    const url = await clients.create().getAuthCodeUrl({
      scopes: [...config.auth.scopes],
      redirectUri: config.auth.redirectUri,
      responseMode: "query",
      state,
      nonce,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      correlationId: res.locals.requestId,
      ...(claims ? { claims } : {}),
    });
    // Saved before redirecting so the callback, possibly on another instance, finds the state.
    await saveSession(req.session);
    res.redirect(url);
  };
}
