/**
 * GET /{tenant}/oauth2/v2.0/logout.
 *
 * Guarantees: always ends this browser's SSO session (server-side and cookie); redirects (302) only
 * to a post_logout_redirect_uri registered — exact match — for the client named by client_id, or by
 * a valid id_token_hint (signature and issuer — either tenant's — checked, expiry ignored as at
 * Entra), or, when neither names a client, for any registered client; `state` is echoed. Anything
 * else gets the "You have signed out" page: never an open redirect. When other apps were signed in
 * through the ending SSO session with a front-channel logout URL, the answer is instead the
 * signed-out page loading those URLs, then continuing to the same (allowed) redirect, if any: see
 * frontChannelLogout.ts.
 */
import { compactVerify } from "jose";
import type { Request, RequestHandler, Response } from "express";
import { hasPostLogoutRedirectUri } from "./clients.js";
import type { TenantContext } from "./context.js";
import { v2Issuer } from "./context.js";
import { aadsts, newRequestIds } from "./errors.js";
import { frontChannelFrames, sendFrontChannelLogoutPage } from "./frontChannelLogout.js";
import { sendErrorPage, sendSignedOutPage } from "./pages.js";
import { Params } from "./params.js";
import { clearedSsoCookie, readCookie, SSO_COOKIE } from "./sso.js";
import { checkTenant } from "./tenant.js";
import type { LocalTenantClient } from "./types.js";

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

/** The post-logout redirect (with state) when the same rule as ever allows it, else undefined. */
function allowedRedirect(
  ctx: TenantContext,
  clientId: string | undefined,
  target: string,
  state: string | undefined,
): string | undefined {
  const candidates: Readonly<LocalTenantClient>[] =
    clientId === undefined ? ctx.clients.all() : [ctx.clients.get(clientId)].filter((c) => c !== undefined);
  if (!candidates.some((client) => hasPostLogoutRedirectUri(client, target))) {
    ctx.log(`logout: post_logout_redirect_uri '${target}' is not registered; not redirecting`);
    return undefined;
  }
  const url = new URL(target);
  if (state !== undefined) url.searchParams.set("state", state);
  return url.href;
}

export function logoutHandler(ctx: TenantContext): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    ctx.counters.logout += 1;
    const params = Params.fromQuery(req);
    const ids = newRequestIds(params.get("client-request-id"));
    const tenantError = checkTenant(ctx, req.params.tenant);
    if (tenantError !== undefined) return sendErrorPage(res, tenantError, ids);
    const duplicate = params.duplicate();
    if (duplicate !== undefined) return sendErrorPage(res, aadsts.duplicateParameter(duplicate), ids);

    const sessionId = readCookie(req.headers.cookie, SSO_COOKIE);
    const session = ctx.sso.get(sessionId, Date.now());
    ctx.sso.delete(sessionId);
    res.append("Set-Cookie", clearedSsoCookie());

    const hint = params.get("id_token_hint");
    const clientId =
      params.get("client_id") ?? (hint === undefined ? undefined : await clientOfIdTokenHint(ctx, hint));
    const target = params.get("post_logout_redirect_uri");
    const continueTo =
      target === undefined ? undefined : allowedRedirect(ctx, clientId, target, params.get("state"));
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
