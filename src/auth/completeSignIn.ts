/**
 * GET /auth/redirect: the provider's answer. The sign-in is read from its `state` and must match this
 * browser's cookie for it, which the answer clears (a replayed callback finds none and makes no token
 * call; another browser never had it: no login CSRF); the code is redeemed with the PKCE verifier and
 * nonce; the ID token's claims are checked; then the session is regenerated (no fixation) and holds
 * only this account: its identity, its app roles and its encrypted token cache (sessionState.ts's
 * signInAccount). A browser already signed in (Switch account, a new sign-in) keeps its session
 * until this point: a cancelled or failed sign-in leaves it as it was; a completed one replaces it
 * whole, the old session (and its token cache) deleted from the store by the regeneration.
 */
import type { Request, Response } from "express";
import type { AuthSettings } from "../config/settings.js";
import { IdentityProviderError, SessionStoreError, SignInFailedError } from "../errors.js";
import { optionalParam, requiredParam } from "../http/params.js";
import type { Logger } from "../logger.js";
import { describeBrowser } from "../session/browserDescription.js";
import { destroySession, regenerateSession, saveSession } from "../session/sessionOps.js";
import { readAccount, signInAccount } from "../session/sessionState.js";
import type { TokenCacheSealing } from "../session/sessionState.js";
import { readRolesClaim } from "./appRoles.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import { newCsrfToken } from "./csrf.js";
import { describeProviderError } from "./describeProviderError.js";
import { keepConsentableScopes } from "./extraScopes.js";
import { safeReturnTo } from "./returnTo.js";
import { createSessionCachePlugin } from "./sessionCachePlugin.js";
import { MAX_STATE_LENGTH } from "./signInTransactions.js";
import type { SignInTransactions } from "./signInTransactions.js";
import { translateMsalError } from "./translateMsalError.js";
import { validateIdTokenClaims } from "./validateIdTokenClaims.js";

export interface CompleteSignInDeps {
  auth: Pick<AuthSettings, "scopes" | "calendarScopes" | "redirectUri" | "clientId" | "allowedTenants">;
  clients: MsalClientFactory;
  /** The authority's `issuer`: the ID token must name it. */
  issuer: string;
  transactions: SignInTransactions;
  /** Seals the account's first token cache into the session and dates the sign-in. */
  sealing: TokenCacheSealing;
  logger: Logger;
}

export function createCompleteSignIn(
  deps: CompleteSignInDeps,
): (req: Request, res: Response) => Promise<void> {
  const { auth, clients, issuer, transactions, sealing, logger } = deps;
  return async (req, res) => {
    // This URL works once: an error page's "try again" must start a new sign-in, not reload it.
    res.locals.retryHref = "/auth/signin";
    const state = requiredParam(req.query, "state", MAX_STATE_LENGTH);
    const pending = await transactions.take(req, res, state);
    if (!pending) {
      throw new SignInFailedError(
        "This sign-in response does not belong to a sign-in started in this browser, or it has expired. Please sign in again.",
      );
    }
    // The store's content is outside input: only scopes a page of this app uses survive.
    const extraScopes = keepConsentableScopes(pending.extraScopes, auth);
    const error = optionalParam(req.query, "error", 256);
    if (error !== undefined) {
      // The session is untouched: a user who declined an extra permission is still signed in.
      if (error === "access_denied" && extraScopes.length > 0) {
        throw new SignInFailedError(
          `The permission was not granted (${extraScopes.join(", ")}). Everything else still works; open the page again to be asked once more.`,
        );
      }
      // E.g. Switch account, cancelled at the account picker: the browser's session is untouched.
      const current = readAccount(req.session);
      const still = current ? ` You are still signed in as ${current.username}.` : "";
      throw new SignInFailedError(
        `${describeProviderError(error, optionalParam(req.query, "error_description"))}${still}`,
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
        scopes: [...auth.scopes, ...extraScopes],
        redirectUri: auth.redirectUri,
        codeVerifier: pending.codeVerifier,
        nonce: pending.nonce,
        correlationId: res.locals.requestId,
        ...(pending.claims ? { claims: pending.claims } : {}),
      });
    } catch (cause) {
      const translated = translateMsalError(cause);
      if (translated.status >= 500) throw translated;
      throw new SignInFailedError(
        "The sign-in could not be completed: the response was already used, has expired, or was refused. Please sign in again.",
        { cause },
      );
    }
    const claims = validateIdTokenClaims(result.idTokenClaims, {
      issuer,
      clientId: auth.clientId,
      nonce: pending.nonce,
      allowedTenants: auth.allowedTenants,
    });
    const account = result.account;
    if (!account?.homeAccountId || serializedCache === undefined) {
      throw new IdentityProviderError("The identity provider's answer did not identify an account.");
    }
    const rolesClaim = readRolesClaim(result.idTokenClaims);
    if (!rolesClaim.ok) {
      logger.warn({ correlationId: res.locals.requestId, reason: rolesClaim.reason }, "roles claim ignored");
    }
    const roles = rolesClaim.ok ? rolesClaim.roles : [];

    try {
      await regenerateSession(req.session);
      signInAccount(
        req.session,
        {
          account: {
            homeAccountId: account.homeAccountId,
            name: account.name ?? account.username,
            username: account.username,
            tenantId: account.tenantId,
            environment: account.environment,
            objectId: claims.oid,
            subject: claims.sub,
            issuer: claims.iss,
            ...(claims.sid ? { idTokenSid: claims.sid } : {}),
            ...(claims.loginHint ? { logoutHint: claims.loginHint } : {}),
            ...(roles.length > 0 ? { roles: [...roles] } : {}),
            browser: describeBrowser(req.get("user-agent")),
          },
          answeredClaims: Boolean(pending.claims),
          serializedCache,
          csrfToken: newCsrfToken(),
        },
        sealing,
      );
      // Saved here rather than as the response ends, so that a store failure is a 503, not a lost sign-in.
      await saveSession(req.session);
    } catch (error) {
      if (!(error instanceof SessionStoreError)) throw error;
      // Nobody is signed in: nothing of this sign-in may be saved, nor its cookie set, as the response
      // ends (express-session would try, as the session id changed). Without a session, it does neither.
      await destroySession(req.session).catch(() => undefined);
      throw new SessionStoreError("The session store failed while a sign-in was being completed.", {
        cause: error,
        atSignIn: true,
      });
    }
    logger.info({ correlationId: res.locals.requestId }, "signed in");
    // Checked again as it is sent: the cookie was written by this app, but a Location is checked last.
    res.redirect(303, safeReturnTo(pending.returnTo));
  };
}
