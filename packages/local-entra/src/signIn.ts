/**
 * POST /{tenant}/oauth2/v2.0/authorize/complete — the sign-in form's submission.
 *
 * Guarantees: only the opaque transaction id and the chosen button are read from the form; the
 * transaction is consumed (one-time) and must be younger than 10 minutes (else an error page,
 * AADSTS50089); "cancel" → access_denied AADSTS65004 to the redirect URI. The chosen account may be
 * any account of either tenant (as Entra's username field takes any name): where it lands is
 * decided by directory.ts — an account that has no user object in the path's tenant gets the error
 * page AADSTS50020 and no session. Otherwise: a fresh SSO session for (account, tenant) (any
 * previous one of this browser is ended), then consent.ts (app availability, consent page or code).
 */
import type { Request, RequestHandler, Response } from "express";
import { deliverAuthorizationResponse } from "./authorizationResponse.js";
import { continueSignIn } from "./consent.js";
import type { TenantContext } from "./context.js";
import { aadsts, redirectErrorParams } from "./errors.js";
import { readFlowForm } from "./flowForm.js";
import { sendErrorPage } from "./pages.js";
import { readCookie, SSO_COOKIE, ssoCookie } from "./sso.js";
import { tenantOfSegment } from "./tenant.js";

export function signInHandler(ctx: TenantContext): RequestHandler {
  return (req: Request, res: Response): void => {
    const posted = readFlowForm(ctx, req, res, (id, now) => ctx.transactions.take(id, now));
    if (posted === undefined) return;
    const { form, entry: pending, segment, ids, now } = posted;
    const flowIds = { ...ids, correlationId: pending.correlationId };

    const oid = form.get("user");
    if (oid === undefined && form.get("cancel") !== undefined) {
      const params = redirectErrorParams(aadsts.userDeclined(), flowIds, ctx.origin, pending.state);
      return deliverAuthorizationResponse(res, pending.redirectUri, pending.responseMode, params);
    }
    const account = oid === undefined ? undefined : ctx.directory.findAccount(oid);
    if (account === undefined || segment !== pending.tenantSegment) {
      return sendErrorPage(res, aadsts.malformed(), flowIds);
    }
    const landed = ctx.directory.land(tenantOfSegment(ctx, pending.tenantSegment), account, pending.clientId);
    if (!landed.ok) return sendErrorPage(res, landed.error, flowIds);

    ctx.sso.delete(readCookie(req.headers.cookie, SSO_COOKIE));
    const session = ctx.sso.create(account.oid, landed.landing.tenant.tenantId, now);
    res.append("Set-Cookie", ssoCookie(session.id));
    continueSignIn(ctx, res, pending, landed.landing, session, flowIds);
  };
}
