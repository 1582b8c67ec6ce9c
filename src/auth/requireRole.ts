/**
 * Pages for holders of an app role: a visitor who is not signed in goes through sign-in and back (as
 * requireSignIn does); a signed-in account without the role gets the 403 page (MissingRoleError),
 * which names the role. The roles are the session's (sessionState.ts), as of sign-in or the last
 * token refresh: a role assigned or removed at Entra counts from then on.
 */
import type { RequestHandler } from "express";
import { MissingRoleError } from "../errors.js";
import { hasRole } from "./appRoles.js";
import { redirectToSignIn } from "./requireSignIn.js";

export function requireRole(role: string): RequestHandler {
  return (req, res, next) => {
    const account = res.locals.account;
    if (!req.tokens || !account) redirectToSignIn(req, res);
    else if (!hasRole(account.roles, role)) throw new MissingRoleError(role);
    else next();
  };
}
