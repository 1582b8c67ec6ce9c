/**
 * GET /{tenant}/oauth2/v2.0/authorize — validates like Entra, then signs in.
 *
 * Guarantees, in Entra's order:
 * - unknown tenant, duplicated parameter, missing/unknown client_id, missing or unregistered
 *   redirect_uri (exact match) → an error page; the browser is NEVER sent to an unvalidated URI;
 * - after that, errors go to the redirect URI (error, error_description with AADSTS code, trace id,
 *   correlation id and timestamp, error_uri, state if sent) in the requested response mode:
 *   response_type other than `code`, missing/unknown/multi-resource scope or no `openid`,
 *   missing PKCE challenge (AADSTS9002325), bad challenge method (AADSTS50149) or size
 *   (AADSTS501491), unsupported prompt, a `claims` parameter that is not a JSON object
 *   (AADSTS9002313); the claims (CP1 capability, a claims-challenge nbf) are bound to the code;
 * - prompt=none: a code straight away if an SSO session exists (and matches login_hint), else
 *   login_required AADSTS50058; no prompt + SSO session (matching login_hint) → a code without the
 *   page, like Entra's SSO; prompt=login / select_account / consent, or no session → the sign-in
 *   page, whose form carries only an opaque one-time transaction id.
 */
import type { Request, RequestHandler, Response } from "express";
import { deliverAuthorizationResponse, issueCodeAndRespond } from "./authorizationResponse.js";
import { parseClaimsParameter } from "./claims.js";
import { hasRedirectUri } from "./clients.js";
import type { TenantContext } from "./context.js";
import { aadsts, newRequestIds, redirectErrorParams } from "./errors.js";
import type { EntraError } from "./errors.js";
import { sendPage } from "./html.js";
import { loginPageBody } from "./loginPage.js";
import { sendErrorPage } from "./pages.js";
import { Params } from "./params.js";
import { parseScopes } from "./scopes.js";
import { readCookie, SSO_COOKIE } from "./sso.js";
import { checkTenant } from "./tenant.js";
import type { CodeChallengeMethod, PendingAuthorization, ResponseMode } from "./transactions.js";
import { findUser, findUserByHint } from "./users.js";

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
    const now = Date.now();
    const params = Params.fromQuery(req);
    const ids = newRequestIds(params.get("client-request-id"));

    // 1. Errors shown on an error page: there is no validated place to send them.
    const tenantError = checkTenant(ctx, req.params.tenant);
    if (tenantError !== undefined) return sendErrorPage(res, tenantError, ids);
    const duplicate = params.duplicate();
    if (duplicate !== undefined) return sendErrorPage(res, aadsts.duplicateParameter(duplicate), ids);
    const clientId = params.get("client_id");
    if (clientId === undefined) return sendErrorPage(res, aadsts.missingParameter("client_id"), ids);
    const client = ctx.clients.get(clientId);
    if (client === undefined) return sendErrorPage(res, aadsts.unknownClient(clientId, ctx.tenantId), ids);
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
    if (!parsed.scopes.oidc.has("openid")) {
      return fail(aadsts.invalidScope(rawScope, "The 'openid' scope is required for sign-in."));
    }
    const codeChallenge = params.get("code_challenge");
    if (codeChallenge === undefined) return fail(aadsts.pkceRequired());
    const method = params.get("code_challenge_method") ?? "plain";
    const pkceError = challengeError(codeChallenge, method);
    if (pkceError !== undefined) return fail(pkceError);
    const prompt = params.get("prompt");
    if (prompt !== undefined && !PROMPTS.includes(prompt)) return fail(aadsts.invalidPrompt(prompt));
    const claims = parseClaimsParameter(params.get("claims"));
    if (!claims.ok) return fail(claims.error);

    const loginHint = params.get("login_hint");
    const hintedUser = loginHint === undefined ? undefined : findUserByHint(ctx.users, loginHint);
    const pending: Omit<PendingAuthorization, "expiresAt"> = {
      clientId: client.clientId,
      redirectUri,
      responseMode: mode,
      state,
      nonce: params.get("nonce"),
      graphScopes: parsed.scopes.graph,
      offlineAccess: parsed.scopes.oidc.has("offline_access"),
      codeChallenge,
      codeChallengeMethod: method as CodeChallengeMethod,
      claims: claims.claims,
      loginHint,
      clientInfoRequested: params.get("client_info") === "1",
      correlationId: ids.correlationId,
    };

    // 3. Single sign-on.
    const session = ctx.sso.get(readCookie(req.headers.cookie, SSO_COOKIE), now);
    const sessionUser = session === undefined ? undefined : findUser(ctx.users, session.oid);
    const hintMatches = loginHint === undefined || hintedUser?.oid === sessionUser?.oid;
    if (prompt === "none") {
      if (session === undefined || sessionUser === undefined || !hintMatches)
        return fail(aadsts.loginRequired());
      return issueCodeAndRespond(ctx, res, { ...pending, expiresAt: now }, sessionUser, session);
    }
    if (prompt === undefined && session !== undefined && sessionUser !== undefined && hintMatches) {
      return issueCodeAndRespond(ctx, res, { ...pending, expiresAt: now }, sessionUser, session);
    }

    // 4. The sign-in page.
    const transactionId = ctx.transactions.create(pending, now);
    sendPage(res, 200, {
      title: "Sign in to your account",
      body: loginPageBody({
        action: `${ctx.origin}/${ctx.tenantId}/oauth2/v2.0/authorize/complete`,
        transactionId,
        clientId: client.clientId,
        users: ctx.users,
        hintedUser,
        graphScopes: parsed.scopes.graph,
      }),
      formActionOrigins: [new URL(redirectUri).origin],
    });
  };
}
