/**
 * Signing out, from this browser's forms (each behind the CSRF check):
 * - POST /auth/signout ends this browser's session, then Entra's (its end-session endpoint, which in
 *   turn loads the front-channel sign-out URLs of the other apps signed in there).
 * - POST /auth/signout/everywhere ends every session of the account first, on every instance (the
 *   store's index finds them), then as above.
 * - POST /auth/sessions/end ends one other session of the account, named by its handle, and comes
 *   back to the Session page; this browser stays signed in.
 * A browser that is not signed in is simply sent home (its forms may be stale); nothing is ended.
 */
import express, { Router } from "express";
import type { RequestHandler, Response } from "express";
import type { AuthSettings, SessionSettings } from "../config/settings.js";
import { BadRequestError } from "../errors.js";
import { requiredParam } from "../http/params.js";
import type { Logger } from "../logger.js";
import type { AccountSessions } from "../session/accountSessions.js";
import { isSessionHandle } from "../session/accountSessions.js";
import { destroySession } from "../session/sessionOps.js";
import { readAccount } from "../session/sessionState.js";
import { isCrossSite, requireCsrfToken } from "./csrf.js";

/**
 * What a browser kept of the signed-in user goes with the sign-out: its HTTP cache (pages are no-store,
 * but a browser or an older version of the app may hold something) and any storage. Not "cookies":
 * that would clear every cookie of the whole registrable domain; the session cookie is cleared by name.
 */
const CLEAR_SITE_DATA = '"cache", "storage"';

export interface SignOutDeps {
  auth: Pick<AuthSettings, "clientId" | "postLogoutRedirectUri">;
  /** The session cookie, cleared by name as the session ends. */
  sessionCookie: Pick<SessionSettings, "cookieName" | "secureCookie">;
  /** The authority's end-session endpoint, where the browser goes next. */
  endSessionEndpoint: string;
  accountSessions: AccountSessions;
  logger: Logger;
}

export function createSignOutRouter(deps: SignOutDeps): Router {
  const { auth, sessionCookie, endSessionEndpoint, accountSessions, logger } = deps;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: "2kb", parameterLimit: 10 });

  const signedInOnly: RequestHandler = (req, res, next) => {
    if (readAccount(req.session)) {
      next();
      return;
    }
    // A stale form of this site: whatever the browser kept goes too. Not for another site's form (it
    // arrives without the Lax cookie, so looks signed out): no site may wipe this one's storage.
    if (!isCrossSite(req)) res.set("Clear-Site-Data", CLEAR_SITE_DATA);
    res.redirect(303, "/");
  };

  /** Ends this browser's session (and the token cache in it; the id is never reused), then Entra's. */
  async function signOutHere(req: express.Request, res: Response): Promise<void> {
    const logoutHint = readAccount(req.session)?.logoutHint;
    await destroySession(req.session);
    res.set("Clear-Site-Data", CLEAR_SITE_DATA);
    res.clearCookie(sessionCookie.cookieName, {
      path: "/",
      httpOnly: true,
      secure: sessionCookie.secureCookie,
    });
    const logout = new URL(endSessionEndpoint);
    logout.searchParams.set("post_logout_redirect_uri", auth.postLogoutRedirectUri);
    logout.searchParams.set("client_id", auth.clientId);
    // Without it Entra asks which account to sign out, though it is this one.
    if (logoutHint) logout.searchParams.set("logout_hint", logoutHint);
    res.redirect(303, logout.href);
  }

  router.post("/signout", form, signedInOnly, requireCsrfToken, signOutHere);

  router.post("/signout/everywhere", form, signedInOnly, requireCsrfToken, async (req, res) => {
    const account = readAccount(req.session)!;
    // The others first: should the store fail half-way, this browser is still signed in to try again.
    const ended = await accountSessions.endAllBut(account.homeAccountId, req.sessionID);
    logger.info({ requestId: res.locals.requestId, otherSessionsEnded: ended }, "signed out everywhere");
    await signOutHere(req, res);
  });

  router.post("/sessions/end", form, signedInOnly, requireCsrfToken, async (req, res) => {
    const handle = requiredParam(req.body, "session", 64);
    if (!isSessionHandle(handle)) throw new BadRequestError("That is not a session of this list.");
    const account = readAccount(req.session)!;
    const ended = await accountSessions.endOne(account.homeAccountId, handle, req.sessionID);
    logger.info({ requestId: res.locals.requestId, ended }, "ended another session of the account");
    // Already gone (ended elsewhere, expired) is what was asked for: the list tells the rest.
    res.redirect(303, ended ? "/session?ended=1" : "/session");
  });

  return router;
}
