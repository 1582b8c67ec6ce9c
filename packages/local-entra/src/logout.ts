/**
 * GET and POST /{tenant}/oauth2/v2.0/logout (Entra's end_session_endpoint takes both).
 *
 * Guarantees, as at Entra:
 * - a browser without an SSO session here has nothing to end: it gets the "You have signed out"
 *   page and is never redirected, whatever post_logout_redirect_uri says — Entra returns to the app
 *   only when "the user has an active session with the identity provider" (msal-browser's
 *   docs/logout.md lists it among the conditions; otherwise the browser stays on Entra's page);
 * - with a session, the request must carry a `logout_hint` naming its account — the ID token's
 *   `login_hint` (loginHint.ts), which "enables sign-out to occur without prompting the user to
 *   select an account" (Entra's OpenID Connect doc). Without one, or naming another account,
 *   nothing ends yet: the account picker (pages.ts) lists the session's account; choosing it posts
 *   the request's own parameters (client_id, post_logout_redirect_uri, state, id_token_hint,
 *   client-request-id, HTML-escaped; re-checked on arrival like any request) back here with that
 *   account's hint;
 * - with a hint naming the session's account: ends the session (server-side and cookie), then
 *   redirects (302) to post_logout_redirect_uri only if it is one of the **redirect URIs** (a v2
 *   registration has no other list; matched as redirectUris.ts says) of the client named by
 *   client_id, or by a valid id_token_hint (signature and issuer — either tenant's — checked, expiry
 *   ignored as at Entra), or, when neither names a client, of any registered client; `state` is
 *   echoed. Anything else gets the signed-out page: never an open redirect. When other apps were
 *   signed in through the ending session with a front-channel logout URL, the answer is instead
 *   the signed-out page loading those URLs, then continuing to the same (allowed) redirect, if any:
 *   see frontChannelLogout.ts.
 */
import { compactVerify } from "jose";
import type { Request, RequestHandler, Response } from "express";
import { hasRedirectUri } from "./clients.js";
import type { TenantContext } from "./context.js";
import { aadsts, newRequestIds } from "./errors.js";
import { frontChannelFrames, sendFrontChannelLogoutPage } from "./frontChannelLogout.js";
import { v2Issuer } from "./wellKnown.js";
import { loginHintFor, readLoginHint } from "./loginHint.js";
import { sendErrorPage, sendLogoutPickerPage, sendSignedOutPage } from "./pages.js";
import { Params } from "./params.js";
import { clearedSsoCookie, readCookie, SSO_COOKIE } from "./sso.js";
import { resolveTenant } from "./tenant.js";
import type { LocalTenantClient } from "./types.js";
import type { LocalTenantUser } from "./users.js";

/** The parameters the account picker carries on to its POST, as sent; nothing else is. */
const CARRIED_PARAMETERS: readonly string[] = [
  "client_id",
  "post_logout_redirect_uri",
  "state",
  "id_token_hint",
  "client-request-id",
];

async function clientOfIdTokenHint(ctx: TenantContext, hint: string): Promise<string | undefined> {
  try {
    const { payload } = await compactVerify(hint, ctx.signingKey.publicKey, { algorithms: ["RS256"] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; aud?: unknown };
    const issuers = ctx.directory.tenants.map((tenant) => v2Issuer(ctx, tenant.tenantId));
    return typeof claims.iss === "string" && issuers.includes(claims.iss) && typeof claims.aud === "string"
      ? claims.aud
      : undefined;
  } catch {
    return undefined;
  }
}

/** The post-logout redirect (with state) when the client's redirect URIs allow it, else undefined. */
function allowedRedirect(
  ctx: TenantContext,
  clientId: string | undefined,
  target: string,
  state: string | undefined,
): string | undefined {
  const candidates: Readonly<LocalTenantClient>[] =
    clientId === undefined ? ctx.clients.all() : [ctx.clients.get(clientId)].filter((c) => c !== undefined);
  if (!candidates.some((client) => hasRedirectUri(client, target))) {
    ctx.log(`logout: post_logout_redirect_uri '${target}' is not a registered redirect URI; not redirecting`);
    return undefined;
  }
  const url = new URL(target);
  if (state !== undefined) url.searchParams.set("state", state);
  return url.href;
}

/** The account's `login_hint`, as its ID tokens carry it (it names the home account). */
function hintOf(account: LocalTenantUser): string {
  return loginHintFor({ oid: account.oid, tid: account.homeTenantId, upn: account.userPrincipalName });
}

function namesAccount(logoutHint: string | undefined, account: LocalTenantUser): boolean {
  const named = logoutHint === undefined ? undefined : readLoginHint(logoutHint);
  return named?.oid === account.oid && named.tid === account.homeTenantId;
}

export function logoutHandler(ctx: TenantContext): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    ctx.counters.logout += 1;
    const params = req.method === "POST" ? Params.fromFormBody(req.body) : Params.fromQuery(req);
    const now = ctx.now();
    const ids = newRequestIds(params.get("client-request-id"), now);
    const resolved = resolveTenant(ctx, req.params.tenant);
    if (!resolved.ok) return sendErrorPage(res, resolved.error, ids);
    const duplicate = params.duplicate();
    if (duplicate !== undefined) return sendErrorPage(res, aadsts.duplicateParameter(duplicate), ids);

    const sessionId = readCookie(req.headers.cookie, SSO_COOKIE);
    const session = ctx.sso.get(sessionId, now);
    const account = session === undefined ? undefined : ctx.directory.findAccount(session.oid);
    const target = params.get("post_logout_redirect_uri");
    if (session === undefined || account === undefined) {
      ctx.sso.delete(sessionId);
      res.append("Set-Cookie", clearedSsoCookie());
      if (target !== undefined) ctx.log("logout: this browser has no SSO session; not redirecting");
      return sendSignedOutPage(res);
    }

    const hint = params.get("id_token_hint");
    const clientId =
      params.get("client_id") ?? (hint === undefined ? undefined : await clientOfIdTokenHint(ctx, hint));
    const continueTo =
      target === undefined ? undefined : allowedRedirect(ctx, clientId, target, params.get("state"));
    if (!namesAccount(params.get("logout_hint"), account)) {
      ctx.log("logout: no logout_hint naming the signed-in account; showing the account picker");
      const carried: Record<string, string> = {};
      for (const name of CARRIED_PARAMETERS) {
        const value = params.get(name);
        if (value !== undefined) carried[name] = value;
      }
      return sendLogoutPickerPage(res, {
        action: `${ctx.origin}/${resolved.value.segment}/oauth2/v2.0/logout`,
        account,
        logoutHint: hintOf(account),
        carried,
        redirectOrigins: continueTo === undefined ? [] : [new URL(continueTo).origin],
      });
    }

    ctx.sso.delete(sessionId);
    res.append("Set-Cookie", clearedSsoCookie());
    const frames = frontChannelFrames(ctx, session, clientId);
    if (frames.length > 0) return sendFrontChannelLogoutPage(ctx, res, frames, continueTo);
    if (continueTo !== undefined) {
      res.setHeader("Cache-Control", "no-store, no-cache");
      res.status(302).setHeader("Location", continueTo);
      res.end();
      return;
    }
    sendSignedOutPage(res);
  };
}
