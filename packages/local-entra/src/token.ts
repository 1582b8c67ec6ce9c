/**
 * POST /{tenant}/oauth2/v2.0/token.
 *
 * Guarantees: counts every request by grant type on arrival; honours `faults.token` for the
 * requests it matches (all, or only those of its `grantType`; at most `times` of them, after which
 * the fault clears itself): a hang that never answers, or a status with the given body and headers
 * or Entra's default for it — 400 invalid_grant (refresh_token: suberror bad_token, AADSTS700082;
 * authorization_code: AADSTS70008; else AADSTS9002313), 401 invalid_client AADSTS7000215, 429
 * temporarily_unavailable AADSTS90033 with `Retry-After: 1`, 500 server_error AADSTS50000, 503 (and
 * other 5xx) temporarily_unavailable AADSTS90033 (503 with `Retry-After: 1`); given headers override
 * the defaults. Otherwise: accepts only application/x-www-form-urlencoded (anything else reads as an
 * empty body: AADSTS900144 'grant_type', as at Entra); refuses duplicated parameters
 * (AADSTS9000411); authenticates the client before looking at the grant; refuses a `claims`
 * parameter that is not a JSON object (AADSTS9002313); supports authorization_code and
 * refresh_token only (else AADSTS70003); a single-tenant app at common/organizations is AADSTS50194;
 * at a tenant-id path a single-tenant app of the other tenant is AADSTS700016 and a code or refresh
 * token issued by the other tenant AADSTS700005. Every answer echoes `client-request-id`, carries
 * `Cache-Control: no-store` and `Pragma: no-cache`; errors use Entra's JSON shape (400, or 401 for
 * invalid_client) and are counted in `tokenErrors`, fault answers included.
 */
import type { Request, RequestHandler, Response } from "express";
import { parseClaimsParameter } from "./claims.js";
import { authenticateClient } from "./clientAuth.js";
import { redeemAuthorizationCode } from "./codeGrant.js";
import type { GrantResult } from "./codeGrant.js";
import type { TenantContext } from "./context.js";
import { aadsts, entraErrorBody, newRequestIds, sendEntraJsonError, setEntraJsonHeaders } from "./errors.js";
import type { EntraError, RequestIds } from "./errors.js";
import { Params } from "./params.js";
import { redeemRefreshToken } from "./refreshGrant.js";
import { checkTenant } from "./tenant.js";
import { clientTenancyError } from "./clientTenancy.js";
import type { TokenFault, TokenStatusFault } from "./types.js";

/** Entra's error for a bare fault status, shaped by the grant type the request (or fault) names. */
function defaultFaultError(
  status: number,
  grantType: string | undefined,
  clientId: string,
  now: number,
): EntraError {
  if (status === 400) {
    if (grantType === "refresh_token") {
      return aadsts.refreshTokenExpired(new Date(now - 90 * 24 * 3600 * 1000), new Date(now));
    }
    return grantType === "authorization_code" ? aadsts.codeExpired() : aadsts.unknownGrant();
  }
  if (status === 401) return aadsts.wrongClientSecret(clientId);
  if (status === 500) return aadsts.serverError(500);
  if (status >= 500 || status === 429) return aadsts.transient(status);
  return { ...aadsts.malformed(), httpStatus: status };
}

function sendTokenFault(
  ctx: TenantContext,
  res: Response,
  ids: RequestIds,
  fault: TokenStatusFault,
  form: Params,
): void {
  const { status, body } = fault;
  if (status >= 400) ctx.counters.tokenErrors += 1;
  setEntraJsonHeaders(res, ids);
  if (status === 429 || status === 503) res.setHeader("Retry-After", "1");
  for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
  res.status(status);
  if (typeof body === "string") {
    res.type("application/json; charset=utf-8").send(body);
    return;
  }
  if (body !== undefined || status < 400) {
    res.json(body ?? {});
    return;
  }
  const grantType = fault.grantType ?? form.get("grant_type");
  const clientId = form.get("client_id") ?? "";
  const err = { ...defaultFaultError(status, grantType, clientId, ids.time.getTime()), httpStatus: status };
  res.json(entraErrorBody(err, ids, ctx.origin));
}

/** The token fault that applies to this request, if any (counting its use). */
function matchingFault(ctx: TenantContext, grantType: string | undefined): TokenFault | undefined {
  const fault = ctx.faults.token;
  if (fault === null) return undefined;
  if (fault.grantType !== undefined && fault.grantType !== grantType) return undefined;
  return ctx.switches.useTokenFault(fault) ? fault : undefined;
}

export function tokenHandler(ctx: TenantContext): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    const now = ctx.now();
    const form = Params.fromFormBody(req.body);
    const ids = newRequestIds(req.get("client-request-id"), now);
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") ctx.counters.tokenAuthorizationCode += 1;
    if (grantType === "refresh_token") ctx.counters.tokenRefresh += 1;

    const fault = matchingFault(ctx, grantType);
    if (fault !== undefined) {
      if ("hang" in fault) {
        ctx.log(`token: fault hang (grant_type=${grantType ?? "-"})`);
        return; // never answered; close() destroys the socket
      }
      ctx.log(`token: fault status ${fault.status} (grant_type=${grantType ?? "-"})`);
      return sendTokenFault(ctx, res, ids, fault, form);
    }

    const fail = (err: EntraError): void => {
      ctx.counters.tokenErrors += 1;
      ctx.log(`token: ${err.error} AADSTS${err.code}`);
      sendEntraJsonError(res, ctx.origin, err, ids);
    };
    const tenantError = checkTenant(ctx, req.params.tenant);
    if (tenantError !== undefined) return fail(tenantError);
    if (!req.is("application/x-www-form-urlencoded")) return fail(aadsts.missingParameter("grant_type"));
    const duplicate = form.duplicate();
    if (duplicate !== undefined) return fail(aadsts.duplicateParameter(duplicate));
    if (grantType === undefined) return fail(aadsts.missingParameter("grant_type"));
    const auth = await authenticateClient(
      ctx,
      req.get("authorization"),
      form,
      now,
      String(req.params.tenant),
    );
    if (!auth.ok) return fail(auth.error);
    const claims = parseClaimsParameter(form.get("claims"));
    if (!claims.ok) return fail(claims.error);
    // The app must be usable through the path's segment (clientTenancy.ts), and at a tenant id
    // grants redeem only for that tenant.
    const pathTenant = ctx.directory.tenant(String(req.params.tenant));
    const unavailable = clientTenancyError(ctx, auth.client, String(req.params.tenant));
    if (unavailable !== undefined) return fail(unavailable);

    let result: GrantResult;
    if (grantType === "authorization_code") {
      result = await redeemAuthorizationCode(
        ctx,
        auth.client,
        form,
        now,
        claims.claims,
        pathTenant?.tenantId,
      );
    } else if (grantType === "refresh_token") {
      result = await redeemRefreshToken(ctx, auth.client, form, now, claims.claims, pathTenant?.tenantId);
    } else {
      return fail(aadsts.unsupportedGrantType(grantType));
    }
    if (!result.ok) return fail(result.error);
    setEntraJsonHeaders(res, ids);
    res.status(200).json(result.body);
  };
}
