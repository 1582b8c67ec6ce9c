/**
 * POST /{tenant}/oauth2/v2.0/authorize/complete — the sign-in form's submission.
 *
 * Guarantees: only the opaque transaction id and the chosen button are read from the form; the
 * transaction is consumed (one-time) and must be younger than 10 minutes (else an error page,
 * AADSTS50089); "cancel" → access_denied AADSTS65004 to the redirect URI; a user → a fresh SSO
 * session (any previous one of this browser is ended) and a code to the redirect URI.
 */
import type { Request, RequestHandler, Response } from "express";
import { deliverAuthorizationResponse, issueCodeAndRespond } from "./authorizationResponse.js";
import type { TenantContext } from "./context.js";
import { aadsts, newRequestIds, redirectErrorParams } from "./errors.js";
import { sendErrorPage } from "./pages.js";
import { Params } from "./params.js";
import { readCookie, SSO_COOKIE, ssoCookie } from "./sso.js";
import { checkTenant } from "./tenant.js";
import { findUser } from "./users.js";

export function signInHandler(ctx: TenantContext): RequestHandler {
  return (req: Request, res: Response): void => {
    const now = Date.now();
    const ids = newRequestIds(undefined);
    const tenantError = checkTenant(ctx, req.params.tenant);
    if (tenantError !== undefined) return sendErrorPage(res, tenantError, ids);
    const form = Params.fromFormBody(req.body);
    const duplicate = form.duplicate();
    if (duplicate !== undefined) return sendErrorPage(res, aadsts.duplicateParameter(duplicate), ids);
    const transactionId = form.get("transaction");
    const pending = transactionId === undefined ? undefined : ctx.transactions.take(transactionId, now);
    if (pending === undefined) return sendErrorPage(res, aadsts.flowExpired(), ids);
    const flowIds = { ...ids, correlationId: pending.correlationId };

    const oid = form.get("user");
    if (oid === undefined && form.get("cancel") !== undefined) {
      const params = redirectErrorParams(aadsts.userDeclined(), flowIds, ctx.origin, pending.state);
      return deliverAuthorizationResponse(res, pending.redirectUri, pending.responseMode, params);
    }
    const user = oid === undefined ? undefined : findUser(ctx.users, oid);
    if (user === undefined) return sendErrorPage(res, aadsts.malformed(), flowIds);

    const cookieHeader = req.headers.cookie;
    ctx.sso.delete(readCookie(cookieHeader, SSO_COOKIE));
    const session = ctx.sso.create(user.oid, now);
    res.append("Set-Cookie", ssoCookie(session.id));
    issueCodeAndRespond(ctx, res, pending, user, session);
  };
}
