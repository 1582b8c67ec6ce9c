/**
 * Delivering an authorization response (code or error) to a validated redirect URI.
 *
 * Guarantees: callers pass only redirect URIs already matched against the client's registration;
 * parameters are added without disturbing the URI's own query; `query` → 302 with the parameters in
 * the query, `fragment` → 302 with them in the fragment, `form_post` → an auto-submitting form.
 * A code is issued only here, bound to the tenant signed in to, client, redirect URI, PKCE
 * challenge, nonce, scopes (the OIDC ones and the Graph scopes' form) and claims; the SSO session it came through records the client (a
 * sign-out there front-channel-logs-out every client it recorded). Consent is recorded before
 * this, by consent.ts (redemption then issues every Graph scope the user has consented to for this
 * client in that tenant, as Entra does). The redirect's client_info names the HOME account (a
 * guest's home oid and tenant).
 */
import type { Response } from "express";
import type { TenantContext } from "./context.js";
import { sendFormPostPage } from "./pages.js";
import type { SsoSession } from "./sso.js";
import type { PendingAuthorization, ResponseMode } from "./transactions.js";
import type { LocalTenantUser } from "./users.js";
import { grantScopesOf } from "./scopes.js";
import { clientInfo } from "./tokenClaims.js";

export function deliverAuthorizationResponse(
  res: Response,
  redirectUri: string,
  mode: ResponseMode,
  params: Record<string, string>,
): void {
  res.setHeader("Cache-Control", "no-store, no-cache");
  res.setHeader("Pragma", "no-cache");
  if (mode === "form_post") {
    sendFormPostPage(res, redirectUri, params);
    return;
  }
  const url = new URL(redirectUri);
  if (mode === "query") {
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  } else {
    url.hash = new URLSearchParams(params).toString();
  }
  res.status(302).setHeader("Location", url.href);
  res.end();
}

export function issueCodeAndRespond(
  ctx: TenantContext,
  res: Response,
  pending: PendingAuthorization,
  user: LocalTenantUser,
  session: SsoSession,
): void {
  const code = ctx.grants.issueCode(
    {
      tenantId: user.tenantId,
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      oid: user.oid,
      offlineAccess: pending.offlineAccess,
      nonce: pending.nonce,
      codeChallenge: pending.codeChallenge,
      codeChallengeMethod: pending.codeChallengeMethod,
      claims: pending.claims,
      scopes: grantScopesOf(pending.scopes),
      sid: session.sid,
    },
    ctx.now(),
  );
  ctx.sso.recordClient(session.id, pending.clientId);
  const params: Record<string, string> = { code };
  if (pending.clientInfoRequested) params.client_info = clientInfo(user.homeOid, user.homeTenantId);
  if (pending.state !== undefined) params.state = pending.state;
  params.session_state = session.sessionState;
  ctx.log(`authorize: code issued to ${pending.clientId} for ${user.userPrincipalName} in ${user.tenantId}`);
  deliverAuthorizationResponse(res, pending.redirectUri, pending.responseMode, params);
}
