/**
 * POST /{tenant}/oauth2/v2.0/token.
 *
 * Guarantees: counts every request by grant type on arrival; honours `faults.token` (a status with
 * an Entra-shaped default body, or a hang that never answers); accepts only
 * application/x-www-form-urlencoded (anything else reads as an empty body: AADSTS900144
 * 'grant_type', as at Entra); refuses duplicated parameters (AADSTS9000411); authenticates the
 * client before looking at the grant; supports authorization_code and refresh_token only
 * (else AADSTS70003). Every answer echoes `client-request-id`, carries `Cache-Control: no-store`
 * and `Pragma: no-cache`; errors use Entra's JSON shape (400, or 401 for invalid_client) and are
 * counted in `tokenErrors`.
 */
import type { Request, RequestHandler, Response } from "express";
import { authenticateClient } from "./clientAuth.js";
import { redeemAuthorizationCode } from "./codeGrant.js";
import type { GrantResult } from "./codeGrant.js";
import type { TenantContext } from "./context.js";
import { aadsts, entraErrorBody, newRequestIds, sendEntraJsonError, setEntraJsonHeaders } from "./errors.js";
import type { EntraError, RequestIds } from "./errors.js";
import { Params } from "./params.js";
import { redeemRefreshToken } from "./refreshGrant.js";
import { checkTenant } from "./tenant.js";

function sendTokenFault(
  ctx: TenantContext,
  res: Response,
  ids: RequestIds,
  status: number,
  body: unknown,
): void {
  if (status >= 400) ctx.counters.tokenErrors += 1;
  setEntraJsonHeaders(res, ids);
  res.status(status);
  if (typeof body === "string") {
    res.type("application/json; charset=utf-8").send(body);
    return;
  }
  if (body !== undefined || status < 400) {
    res.json(body ?? {});
    return;
  }
  const err: EntraError =
    status >= 500 || status === 429
      ? aadsts.transient(status)
      : { ...aadsts.malformed(), httpStatus: status };
  res.json(entraErrorBody(err, ids, ctx.origin));
}

export function tokenHandler(ctx: TenantContext): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    const now = Date.now();
    const form = Params.fromFormBody(req.body);
    const ids = newRequestIds(req.get("client-request-id"));
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") ctx.counters.tokenAuthorizationCode += 1;
    if (grantType === "refresh_token") ctx.counters.tokenRefresh += 1;

    const fault = ctx.faults.token;
    if (fault !== null) {
      if ("hang" in fault) {
        ctx.log(`token: fault hang (grant_type=${grantType ?? "-"})`);
        return; // never answered; close() destroys the socket
      }
      ctx.log(`token: fault status ${fault.status}`);
      return sendTokenFault(ctx, res, ids, fault.status, fault.body);
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
    const auth = authenticateClient(ctx, req.get("authorization"), form);
    if (!auth.ok) return fail(auth.error);

    let result: GrantResult;
    if (grantType === "authorization_code") {
      result = await redeemAuthorizationCode(ctx, auth.client, form, now);
    } else if (grantType === "refresh_token") {
      result = await redeemRefreshToken(ctx, auth.client, form, now);
    } else {
      return fail(aadsts.unsupportedGrantType(grantType));
    }
    if (!result.ok) return fail(result.error);
    setEntraJsonHeaders(res, ids);
    res.status(200).json(result.body);
  };
}
