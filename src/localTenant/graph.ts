/**
 * The Microsoft Graph stand-in (its own HTTPS server, same certificate).
 *
 * Guarantees:
 * - every response carries `request-id` and `client-request-id` (echoed, or the request id);
 * - `faults.graph` overrides every request while set: a status (with Graph's default body for it
 *   unless one is given, plus the given headers) or a hang that never answers;
 * - GET /v1.0/me requires a valid Graph access token (see graphAuth.ts; 401
 *   InvalidAuthenticationToken with WWW-Authenticate) whose scp holds User.Read or
 *   User.ReadBasic.All (else 403 Authorization_RequestDenied), and returns the user's profile in
 *   Graph's shape with `Content-Type: application/json;odata.metadata=minimal;…`;
 * - anything else is answered in Graph's error shape (400 for unknown segments/versions, 405 for
 *   other methods on /me).
 */
import express from "express";
import type { NextFunction, Request, Response } from "express";
import type { TenantContext } from "./context.js";
import { authenticateGraphRequest } from "./graphAuth.js";
import { defaultGraphError, GRAPH_WWW_AUTHENTICATE, graphErrorBody, sendGraphError } from "./graphErrors.js";
import type { GraphIds } from "./graphErrors.js";
import { parseSelect, profileBody } from "./graphProfile.js";
import { newGuid } from "./ids.js";
import { Params } from "./params.js";
import { findUser } from "./users.js";

const ODATA_JSON =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const READ_SCOPES = ["user.read", "user.readbasic.all"];

function idsOf(res: Response): GraphIds {
  return {
    requestId: String(res.getHeader("request-id")),
    clientRequestId: String(res.getHeader("client-request-id")),
  };
}

function isMePath(path: string): boolean {
  return /^\/v1\.0\/me\/?$/i.test(path);
}

function applyFault(ctx: TenantContext, req: Request, res: Response, next: NextFunction): void {
  const fault = ctx.faults.graph;
  if (fault === null) return next();
  if ("hang" in fault) {
    ctx.log(`graph: fault hang ${req.method} ${req.path}`);
    return; // never answered; close() destroys the socket
  }
  ctx.log(`graph: fault status ${fault.status} ${req.method} ${req.path}`);
  if (fault.status >= 400) ctx.counters.graphErrors += 1;
  const ids = idsOf(res);
  if (fault.status === 401) res.setHeader("WWW-Authenticate", GRAPH_WWW_AUTHENTICATE);
  if (fault.status === 429 || fault.status === 503) res.setHeader("Retry-After", "1");
  for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
  res.status(fault.status);
  if (typeof fault.body === "string") {
    res.type("application/json").send(fault.body);
  } else if (fault.body !== undefined) {
    res.type("application/json").send(JSON.stringify(fault.body));
  } else if (fault.status >= 400) {
    const { code, message } = defaultGraphError(fault.status);
    res.type("application/json").send(JSON.stringify(graphErrorBody(code, message, ids)));
  } else {
    res.type("application/json").send("{}");
  }
}

async function me(ctx: TenantContext, req: Request, res: Response): Promise<void> {
  const ids = idsOf(res);
  const auth = await authenticateGraphRequest(ctx, req.get("authorization"));
  if (!auth.ok) return sendGraphError(ctx, res, ids, 401, "InvalidAuthenticationToken", auth.message);
  if (!auth.scopes.some((scope) => READ_SCOPES.includes(scope.toLowerCase()))) {
    return sendGraphError(
      ctx,
      res,
      ids,
      403,
      "Authorization_RequestDenied",
      "Insufficient privileges to complete the operation.",
    );
  }
  const user = findUser(ctx.users, auth.oid);
  if (user === undefined) {
    return sendGraphError(
      ctx,
      res,
      ids,
      404,
      "Request_ResourceNotFound",
      `Resource '${auth.oid}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  const query = Params.fromQuery(req);
  const duplicate = query.duplicate();
  if (duplicate !== undefined) {
    return sendGraphError(
      ctx,
      res,
      ids,
      400,
      "BadRequest",
      `Query option '${duplicate}' was specified more than once, but it must be specified at most once.`,
    );
  }
  const select = parseSelect(query.get("$select") ?? query.get("select"));
  if (!select.ok) return sendGraphError(ctx, res, ids, 400, "BadRequest", select.message);
  res.setHeader("OData-Version", "4.0");
  res.setHeader("Cache-Control", "no-cache");
  // res.end, not res.send: express would re-format (lower-case) the media type parameters.
  res.setHeader("Content-Type", ODATA_JSON);
  res.status(200).end(JSON.stringify(profileBody(user, select.fields)));
}

export function createGraphApp(ctx: TenantContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = newGuid();
    const clientRequestId = req.get("client-request-id") ?? requestId;
    res.setHeader("request-id", requestId);
    res.setHeader("client-request-id", clientRequestId.slice(0, 128));
    res.setHeader("x-ms-ags-diagnostic", '{"ServerInfo":{"DataCenter":"Local test tenant"}}');
    if (isMePath(req.path)) ctx.counters.graphMe += 1;
    applyFault(ctx, req, res, next);
  });

  app.get(/^\/v1\.0\/me\/?$/i, (req: Request, res: Response) => me(ctx, req, res));
  app.all(/^\/v1\.0\/me\/?$/i, (_req: Request, res: Response) => {
    res.setHeader("Allow", "GET");
    sendGraphError(
      ctx,
      res,
      idsOf(res),
      405,
      "Request_BadRequest",
      "Specified HTTP method is not allowed for the request target.",
    );
  });
  app.use((req: Request, res: Response) => {
    const segments = req.path.split("/").filter((s) => s !== "");
    const version = segments[0] ?? "";
    const message =
      version === "v1.0" || version === "beta"
        ? `Resource not found for the segment '${segments[1] ?? ""}'.`
        : `Invalid version: ${version}`;
    sendGraphError(ctx, res, idsOf(res), 400, "BadRequest", message);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    ctx.log(`graph: internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (res.headersSent) return;
    sendGraphError(ctx, res, idsOf(res), 500, "generalException", "General exception while processing.");
  });
  return app;
}
