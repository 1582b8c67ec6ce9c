/**
 * The checks every Graph /me… request passes: a valid token, a scope, then a known user object.
 *
 * Guarantees: an invalid or missing token → 401 InvalidAuthenticationToken (with Graph's
 * WWW-Authenticate); a token without one of the required scopes → 403 with the caller's error code
 * and message; a token whose (tid, oid) names no user object of that tenant → 404
 * Request_ResourceNotFound. The user object is looked up in the token's tenant, so a guest's
 * Fabrikam token answers the guest object. Each failure is answered here and yields undefined.
 */
import type { Request, Response } from "express";
import type { TenantContext } from "./context.js";
import { authenticateGraphRequest } from "./graphAuth.js";
import {
  GRAPH_WWW_AUTHENTICATE,
  GRAPH_WWW_AUTHENTICATE_INVALID_TOKEN,
  sendGraphError,
} from "./graphErrors.js";
import type { GraphIds } from "./graphErrors.js";
import type { LocalTenantUser } from "./users.js";

const ODATA_JSON =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/** A 200 with Graph's OData JSON headers; returns the body's size in bytes. */
export function sendOData(res: Response, body: unknown): number {
  const bytes = Buffer.from(JSON.stringify(body), "utf8");
  res.setHeader("OData-Version", "4.0");
  res.setHeader("Cache-Control", "no-cache");
  // res.end, not res.send: express would re-format (lower-case) the media type parameters.
  res.setHeader("Content-Type", ODATA_JSON);
  res.setHeader("Content-Length", String(bytes.length));
  res.status(200).end(bytes);
  return bytes.length;
}

export interface ScopeRequirement {
  /** Any one of these (case-insensitive) must be in `scp`. */
  scopes: readonly string[];
  deniedCode: string;
  deniedMessage: string;
}

export function graphIdsOf(res: Response): GraphIds {
  return {
    requestId: String(res.getHeader("request-id")),
    clientRequestId: String(res.getHeader("client-request-id")),
  };
}

export async function authorizedUser(
  ctx: TenantContext,
  req: Request,
  res: Response,
  ids: GraphIds,
  requirement: ScopeRequirement,
): Promise<LocalTenantUser | undefined> {
  const auth = await authenticateGraphRequest(ctx, req.get("authorization"));
  if (!auth.ok) {
    const header = auth.tokenPresent ? GRAPH_WWW_AUTHENTICATE_INVALID_TOKEN : GRAPH_WWW_AUTHENTICATE;
    sendGraphError(ctx, res, ids, 401, "InvalidAuthenticationToken", auth.message, header);
    return undefined;
  }
  const wanted = requirement.scopes.map((scope) => scope.toLowerCase());
  if (!auth.scopes.some((scope) => wanted.includes(scope.toLowerCase()))) {
    sendGraphError(ctx, res, ids, 403, requirement.deniedCode, requirement.deniedMessage);
    return undefined;
  }
  const user = ctx.directory.findObject(auth.tenantId, auth.oid);
  if (user === undefined) {
    sendGraphError(
      ctx,
      res,
      ids,
      404,
      "Request_ResourceNotFound",
      `Resource '${auth.oid}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return user;
}
