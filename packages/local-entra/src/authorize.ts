/**
 * GET /{tenant}/oauth2/v2.0/authorize — validates like Entra, then signs in.
 *
 * Guarantees, in Entra's order:
 * - unknown tenant segment (see tenant.ts), duplicated parameter, missing/unknown client_id, an app
 *   that cannot be used through the path's segment (clientTenancy.ts: a single-tenant app at
 *   another tenant AADSTS700016, at common/organizations AADSTS50194), missing or unregistered
 *   redirect_uri (redirectUris.ts: exact, bar the port of an http loopback URI) → an error page; the
 *   browser is NEVER sent to an unvalidated URI;
 * - after that, errors go to the redirect URI (error, error_description with AADSTS code, trace id,
 *   correlation id and timestamp, error_uri, state if sent) in the requested response mode:
 *   response_type other than `code`, missing/unknown/multi-resource scope (`openid` is optional,
 *   as at Entra: without it the token response carries no ID token),
 *   missing PKCE challenge (AADSTS9002325), bad challenge method (AADSTS50149) or size
 *   (AADSTS501491), a prompt other than one of none/login/select_account/consent (combined values
 *   too: invalid_request AADSTS90023 "Unsupported 'prompt' value.", as at Entra), a `claims`
 *   parameter that is not a JSON object (AADSTS9002313); the claims (CP1 capability, a claims-challenge nbf) are bound to the code;
 * - an SSO session counts only where its sign-in would land again (same account, same tenant);
 *   prompt=none: with such a session (matching login_hint) straight on to consent.ts (a code, or
 *   consent_required AADSTS65001), else login_required AADSTS50058; no prompt + such a session → on
 *   without the page, like Entra's SSO; prompt=login / select_account / consent, or no session →
 *   the sign-in page (select_account: the account picker even when the browser has a session),
 *   whose form carries only an opaque one-time transaction id. It lists the accounts that can sign in to the path's tenant (its members, then its guests' home accounts;
 *   through common/organizations every account); after it, consent.ts decides;
 * - `domain_hint` is accepted with any value and otherwise ignored: Entra uses it only for
 *   home-realm discovery (skipping to a federated IdP), which this stand-in does not have.
 */
import type { Request, RequestHandler, Response } from "express";
import { deliverAuthorizationResponse } from "./authorizationResponse.js";
import { parseClaimsParameter } from "./claims.js";
import { hasRedirectUri } from "./clients.js";
import { clientTenancyError } from "./clientTenancy.js";
import { continueSignIn } from "./consent.js";
import type { TenantContext } from "./context.js";
import { aadsts, newRequestIds, redirectErrorParams } from "./errors.js";
import type { EntraError } from "./errors.js";
import { sendPage } from "./html.js";
import { loginPageBody } from "./loginPage.js";
import { sendErrorPage } from "./pages.js";
import { Params } from "./params.js";
import { parseScopes } from "./scopes.js";
import { readCookie, SSO_COOKIE } from "./sso.js";
import { resolveTenant } from "./tenant.js";
import type { CodeChallengeMethod, PendingAuthorization, ResponseMode } from "./transactions.js";

const RESPONSE_MODES: readonly string[] = ["query", "fragment", "form_post"];
const PROMPTS: readonly string[] = ["none", "login", "select_account", "consent"];
const PKCE_CHARS = /^[A-Za-z0-9\-._~]+$/;

function challengeError(challenge: string, method: string): EntraError | undefined {
  if (method !== "S256" && method !== "plain") return aadsts.invalidCodeChallengeMethod();
  const sizeOk =
    method === "S256" ? challenge.length === 43 : challenge.length >= 43 && challenge.length <= 128;
  if (!sizeOk || !PKCE_CHARS.test(challenge)) return aadsts.invalidCodeChallengeSize();
  return undefined;
}

export function authorizeHandler(ctx: TenantContext): RequestHandler {
  return (req: Request, res: Response): void => {
    ctx.counters.authorize += 1;
    const now = ctx.now();
    const params = Params.fromQuery(req);
    const ids = newRequestIds(params.get("client-request-id"), now);

    // 1. Errors shown on an error page: there is no validated place to send them.
    const resolved = resolveTenant(ctx, req.params.tenant);
    if (!resolved.ok) return sendErrorPage(res, resolved.error, ids);
    const { segment, tenant } = resolved.value;
    const duplicate = params.duplicate();
    if (duplicate !== undefined) return sendErrorPage(res, aadsts.duplicateParameter(duplicate), ids);
    const clientId = params.get("client_id");
    if (clientId === undefined) return sendErrorPage(res, aadsts.missingParameter("client_id"), ids);
    const client = ctx.clients.get(clientId);
    if (client === undefined) {
      return sendErrorPage(res, aadsts.unknownClient(clientId, tenant?.tenantId ?? segment), ids);
    }
    const unavailable = clientTenancyError(ctx, client, segment);
    if (unavailable !== undefined) return sendErrorPage(res, unavailable, ids);
    const redirectUri = params.get("redirect_uri");
    if (redirectUri === undefined) return sendErrorPage(res, aadsts.missingParameter("redirect_uri"), ids);
    if (!hasRedirectUri(client, redirectUri)) {
      return sendErrorPage(res, aadsts.redirectUriMismatch(redirectUri, client.clientId), ids);
    }

    // 2. Errors sent back to the (validated) redirect URI.
    const state = params.get("state");
    const requestedMode = params.get("response_mode") ?? "query";
    const mode: ResponseMode = RESPONSE_MODES.includes(requestedMode)
      ? (requestedMode as ResponseMode)
      : "query";
    const fail = (err: EntraError): void =>
      deliverAuthorizationResponse(res, redirectUri, mode, redirectErrorParams(err, ids, ctx.origin, state));
    if (mode !== requestedMode) return fail(aadsts.unsupportedResponseMode(requestedMode));
    const responseType = params.get("response_type");
    if (responseType === undefined) return fail(aadsts.missingParameter("response_type"));
    if (responseType !== "code") return fail(aadsts.unsupportedResponseType(responseType));
    const rawScope = params.get("scope");
    if (rawScope === undefined) return fail(aadsts.missingParameter("scope"));
    const parsed = parseScopes(rawScope);
    if (!parsed.ok) return fail(parsed.error);
    const codeChallenge = params.get("code_challenge");
    if (codeChallenge === undefined) return fail(aadsts.pkceRequired());
    const method = params.get("code_challenge_method") ?? "plain";
    const pkceError = challengeError(codeChallenge, method);
    if (pkceError !== undefined) return fail(pkceError);
    const prompt = params.get("prompt");
    if (prompt !== undefined && !PROMPTS.includes(prompt)) return fail(aadsts.invalidPrompt());
    const claims = parseClaimsParameter(params.get("claims"));
    if (!claims.ok) return fail(claims.error);

    const loginHint = params.get("login_hint");
    const hintedUser = loginHint === undefined ? undefined : ctx.directory.findAccountByHint(loginHint);
    const pending: Omit<PendingAuthorization, "expiresAt"> = {
      tenantSegment: segment,
      clientId: client.clientId,
      redirectUri,
      responseMode: mode,
      state,
      nonce: params.get("nonce"),
      graphScopes: parsed.scopes.graph,
      scopes: parsed.scopes,
      offlineAccess: parsed.scopes.oidc.has("offline_access"),
      codeChallenge,
      codeChallengeMethod: method as CodeChallengeMethod,
      claims: claims.claims,
      loginHint,
      prompt,
      clientInfoRequested: params.get("client_info") === "1",
      correlationId: ids.correlationId,
    };

    // 3. Single sign-on.
    const session = ctx.sso.get(readCookie(req.headers.cookie, SSO_COOKIE), now);
    const account = session === undefined ? undefined : ctx.directory.findAccount(session.oid);
    const landed = account === undefined ? undefined : ctx.directory.land(tenant, account, client.clientId);
    const sso =
      session !== undefined &&
      landed?.ok === true &&
      landed.landing.tenant.tenantId === session.tenantId &&
      (loginHint === undefined || hintedUser?.oid === account?.oid)
        ? { session, landing: landed.landing }
        : undefined;
    if (prompt === "none") {
      if (sso === undefined) return fail(aadsts.loginRequired());
      return continueSignIn(ctx, res, { ...pending, expiresAt: now }, sso.landing, sso.session, ids);
    }
    if (prompt === undefined && sso !== undefined) {
      return continueSignIn(ctx, res, { ...pending, expiresAt: now }, sso.landing, sso.session, ids);
    }

    // 4. The sign-in page.
    const transactionId = ctx.transactions.create(pending, now);
    sendPage(res, 200, {
      title: "Sign in to your account",
      body: loginPageBody({
        action: `${ctx.origin}/${segment}/oauth2/v2.0/authorize/complete`,
        transactionId,
        clientId: client.clientId,
        users: tenant === undefined ? ctx.directory.accounts() : ctx.directory.accountsOf(tenant),
        hintedUser,
        graphScopes: parsed.scopes.graph,
      }),
      formActionOrigins: [new URL(redirectUri).origin],
    });
  };
}
