/**
 * GET /auth/signin: a new authorization-code request with PKCE (S256), a `state` and a `nonce` made by
 * signInTransactions.ts (the state carries the sign-in, a tiny cookie binds it to this browser;
 * nothing goes into the session). A claims challenge left by Graph in the session
 * goes out with it, so the new tokens satisfy the challenge. `scopes` names what a page needs beyond
 * sign-in (incremental consent: Entra asks the user to consent, then returns to the page); a user
 * already signed in is named as the login hint, so Entra does not ask which account.
 *
 * GET /auth/switch-account is the same start with `prompt=select_account`: Entra shows its account
 * picker even with a single sign-on session, and no login hint preselects the current account. It
 * writes nothing at all (a pending claims challenge is the current account's, and stays with it), so
 * a plain link can start it; the session changes only when the callback completes
 * (completeSignIn.ts). DOMAIN_HINT goes out as `domain_hint` with every start.
 */
import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import type { AuthSettings } from "../config/settings.js";
import { optionalParam } from "../http/params.js";
import { saveSession } from "../session/sessionOps.js";
import { forgetClaimsChallenge, readAccount, readClaimsChallenge } from "../session/sessionState.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import { parseExtraScopes } from "./extraScopes.js";
import { safeReturnTo } from "./returnTo.js";
import type { SignInTransactions } from "./signInTransactions.js";

export interface StartSignInDeps {
  auth: Pick<AuthSettings, "scopes" | "calendarScopes" | "redirectUri" | "domainHint">;
  clients: MsalClientFactory;
  transactions: SignInTransactions;
  /** Switch account: the provider's account picker, whoever is signed in (see above). */
  selectAccount?: boolean;
}

/** RFC 7636 S256: the challenge the provider sees; the verifier stays on this side. */
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export function createStartSignIn(deps: StartSignInDeps): RequestHandler {
  const { auth, clients, transactions, selectAccount = false } = deps;
  return async (req, res) => {
    const returnTo = safeReturnTo(optionalParam(req.query, "returnTo"));
    const extraScopes = parseExtraScopes(optionalParam(req.query, "scopes", 256), auth);
    const loginHint = selectAccount ? undefined : readAccount(req.session)?.username;
    const claims = selectAccount ? undefined : readClaimsChallenge(req.session);
    const { state, nonce, codeVerifier } = await transactions.begin(req, res, {
      returnTo,
      ...(claims ? { claims } : {}),
      ...(extraScopes.length > 0 ? { extraScopes } : {}),
    });
    const url = await clients.create().getAuthCodeUrl({
      scopes: [...auth.scopes, ...extraScopes],
      redirectUri: auth.redirectUri,
      responseMode: "query",
      ...(loginHint ? { loginHint } : {}),
      ...(selectAccount ? { prompt: "select_account" } : {}),
      ...(auth.domainHint ? { domainHint: auth.domainHint } : {}),
      state,
      nonce,
      codeChallenge: s256(codeVerifier),
      codeChallengeMethod: "S256",
      correlationId: res.locals.requestId,
      ...(claims ? { claims } : {}),
    });
    // The challenge now travels with this sign-in; saved before the redirect, so that the callback,
    // possibly on another instance, does not meet it again.
    if (!selectAccount && forgetClaimsChallenge(req.session)) await saveSession(req.session);
    res.redirect(url);
  };
}
