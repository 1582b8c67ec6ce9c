/**
 * GET /auth/signin: a new authorization-code request with PKCE (S256), a 256-bit `state` and a
 * `nonce`, remembered in a cookie of its own (signInTransactions.ts), never in the session. A claims challenge left by Graph in the session
 * goes out with it, so the new tokens satisfy the challenge. `scopes` names what a page needs beyond
 * sign-in (incremental consent: Entra asks the user to consent, then returns to the page); a user
 * already signed in is named as the login hint, so Entra does not ask which account.
 */
import { randomBytes } from "node:crypto";
import type { RequestHandler } from "express";
import { CryptoProvider } from "@azure/msal-node";
import { optionalParam } from "../http/params.js";
import { saveSession } from "../session/sessionOps.js";
import type { AuthRouterDeps } from "./createAuthRouter.js";
import { readClaimsRequest } from "./claimsChallenge.js";
import type { SignInTransactions } from "./signInTransactions.js";
import { safeReturnTo } from "./returnTo.js";
import { parseExtraScopes } from "./extraScopes.js";
import { readSignedInAccount } from "../session/readAccount.js";

const randomToken = () => randomBytes(32).toString("base64url");

export function createStartSignIn(
  { config, clients }: Pick<AuthRouterDeps, "config" | "clients">,
  transactions: SignInTransactions,
): RequestHandler {
  const pkce = new CryptoProvider();
  return async (req, res) => {
    const returnTo = safeReturnTo(optionalParam(req.query, "returnTo"));
    const extraScopes = parseExtraScopes(optionalParam(req.query, "scopes", 256), config.auth);
    const loginHint = readSignedInAccount(req.session)?.username;
    const claims = readClaimsRequest(req.session.pendingClaims);
    const state = randomToken();
    const nonce = randomToken();
    const { verifier, challenge } = await pkce.generatePkceCodes();
    const url = await clients.create().getAuthCodeUrl({
      scopes: [...config.auth.scopes, ...extraScopes],
      redirectUri: config.auth.redirectUri,
      responseMode: "query",
      ...(loginHint ? { loginHint } : {}),
      state,
      nonce,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      correlationId: res.locals.requestId,
      ...(claims ? { claims } : {}),
    });
    await transactions.remember(req, res, state, {
      nonce,
      codeVerifier: verifier,
      returnTo,
      ...(claims ? { claims } : {}),
      ...(extraScopes.length > 0 ? { extraScopes } : {}),
    });
    if (req.session.pendingClaims !== undefined) {
      // The challenge now travels with this sign-in; saved before the redirect, so that the callback,
      // possibly on another instance, does not meet it again.
      delete req.session.pendingClaims;
      await saveSession(req.session);
    }
    res.redirect(url);
  };
}
