/**
 * After sign-in: the app's availability in the tenant, consent, and the code.
 *
 * Guarantees:
 * - the app must exist in the tenant signed in to (single-tenant apps only in their home tenant),
 *   else the error page AADSTS700016 — checked here too because through common/organizations the
 *   tenant is known only after sign-in;
 * - the Graph scopes asked for (none → User.Read) that the user has not consented to in this tenant
 *   for this app, and that the app's admin consent (adminConsentedScopes, default User.Read) does
 *   not cover, need consent: prompt=none → `consent_required` AADSTS65001 at the redirect URI;
 *   otherwise the consent page, which prompt=consent always shows. Nothing needing consent → the
 *   requested scopes are recorded as consented and a code is issued at once;
 * - POST /{tenant}/oauth2/v2.0/authorize/consent reads only the opaque transaction id and the
 *   button; the transaction is one-time, at most 10 minutes old (else AADSTS50089), must be posted to
 *   the same tenant segment and with the cookie of the SSO session that signed in (else the error
 *   page AADSTS9002313) — a consent form lifted from one browser is useless in another;
 *   Accept records consent for every requested scope and issues the code; Cancel sends
 *   `access_denied` AADSTS65004 (with state) to the redirect URI.
 */
import type { Request, RequestHandler, Response } from "express";
import { deliverAuthorizationResponse, issueCodeAndRespond } from "./authorizationResponse.js";
import { adminConsentedScopes, clientAvailabilityError } from "./clientTenancy.js";
import { consentPageBody } from "./consentPage.js";
import type { TenantContext } from "./context.js";
import type { Landing } from "./directory.js";
import { aadsts, redirectErrorParams } from "./errors.js";
import type { EntraError, RequestIds } from "./errors.js";
import { sendPage } from "./html.js";
import { readFlowForm } from "./flowForm.js";
import { sendErrorPage } from "./pages.js";
import { DEFAULT_GRAPH_SCOPE } from "./scopes.js";
import { readCookie, SSO_COOKIE } from "./sso.js";
import type { SsoSession } from "./sso.js";
import type { PendingAuthorization } from "./transactions.js";

function failAtRedirect(
  ctx: TenantContext,
  res: Response,
  pending: PendingAuthorization,
  err: EntraError,
  ids: RequestIds,
): void {
  const params = redirectErrorParams(err, ids, ctx.origin, pending.state);
  deliverAuthorizationResponse(res, pending.redirectUri, pending.responseMode, params);
}

/** Signed in (or single sign-on) as `landing`: check the app, then consent or a code. */
export function continueSignIn(
  ctx: TenantContext,
  res: Response,
  pending: PendingAuthorization,
  landing: Landing,
  session: SsoSession,
  ids: RequestIds,
): void {
  const tenantId = landing.tenant.tenantId;
  const client = ctx.clients.get(pending.clientId);
  if (client === undefined) return sendErrorPage(res, aadsts.unknownClient(pending.clientId, tenantId), ids);
  const unavailable = clientAvailabilityError(ctx, client, tenantId);
  if (unavailable !== undefined) return sendErrorPage(res, unavailable, ids);

  const scopes = pending.graphScopes.length === 0 ? [DEFAULT_GRAPH_SCOPE] : pending.graphScopes;
  const covered = new Set([
    ...ctx.grants.consentedScopes(tenantId, landing.user.oid, client.clientId),
    ...adminConsentedScopes(client),
  ]);
  const missing = scopes.filter((scope) => !covered.has(scope));
  if (pending.prompt === "none" && missing.length > 0) {
    return failAtRedirect(ctx, res, pending, aadsts.consentRequiredSilent(client.clientId), ids);
  }
  if (missing.length > 0 || pending.prompt === "consent") {
    const now = ctx.now();
    const transactionId = ctx.consents.create(
      {
        pending,
        tenantId,
        userOid: landing.user.oid,
        accountOid: landing.account.oid,
        sessionId: session.id,
        scopes,
      },
      now,
    );
    const shown = pending.prompt === "consent" ? scopes : missing;
    sendPage(res, 200, {
      title: "Permissions requested",
      body: consentPageBody({
        action: `${ctx.origin}/${pending.tenantSegment}/oauth2/v2.0/authorize/consent`,
        transactionId,
        clientId: client.clientId,
        accountName: landing.account.userPrincipalName,
        tenantName: landing.tenant.displayName,
        permissions: pending.offlineAccess ? [...shown, "offline_access"] : shown,
      }),
      formActionOrigins: [new URL(pending.redirectUri).origin],
    });
    ctx.log(`authorize: consent page for ${client.clientId} (${shown.join(" ")})`);
    return;
  }
  ctx.grants.grantConsent(tenantId, landing.user.oid, client.clientId, scopes);
  issueCodeAndRespond(ctx, res, pending, landing.user, session);
}

export function consentHandler(ctx: TenantContext): RequestHandler {
  return (req: Request, res: Response): void => {
    const posted = readFlowForm(ctx, req, res, (id, now) => ctx.consents.take(id, now));
    if (posted === undefined) return;
    const { form, entry, segment, ids, now } = posted;
    const { pending } = entry;
    const flowIds = { ...ids, correlationId: pending.correlationId };
    const sessionId = readCookie(req.headers.cookie, SSO_COOKIE);
    const session = ctx.sso.get(sessionId, now);
    if (segment !== pending.tenantSegment || session === undefined || session.id !== entry.sessionId) {
      return sendErrorPage(res, aadsts.malformed(), flowIds);
    }
    const decision = form.get("consent");
    if (decision === "cancel") return failAtRedirect(ctx, res, pending, aadsts.userDeclined(), flowIds);
    const user = ctx.directory.findObject(entry.tenantId, entry.userOid);
    if (decision !== "accept" || user === undefined) return sendErrorPage(res, aadsts.malformed(), flowIds);
    ctx.grants.grantConsent(entry.tenantId, user.oid, pending.clientId, entry.scopes);
    ctx.log(`authorize: consent recorded for ${pending.clientId} (${entry.scopes.join(" ")})`);
    issueCodeAndRespond(ctx, res, pending, user, session);
  };
}
