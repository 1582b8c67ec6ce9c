/**
 * The Microsoft Graph stand-in (its own HTTPS server, same certificate).
 *
 * Guarantees:
 * - every response carries `request-id` and `client-request-id` (echoed, or the request id);
 * - `faults.graph` overrides requests while set (at most `times` of them, then it clears itself):
 *   - a status: the given body, or Graph's default body for it, plus the given headers (a 401 gets
 *     `WWW-Authenticate: Bearer realm="", authorization_uri=…, client_id=…, error="invalid_token"`,
 *     429/503 `Retry-After: 1`, unless the given headers say otherwise);
 *   - a hang that never answers;
 *   - `{ hugeBodyBytes: n }`: 200 with a syntactically valid /me profile (of the token's user when
 *     the token is valid, else the first test user) padded in `aboutMe` to at least n bytes
 *     (capped at 256 MiB), sent in one write with Content-Length;
 *   - `{ claimsChallenge: true }`: a request with a valid access token that does not answer the
 *     challenge gets 401 InvalidAuthenticationToken "Continuous access evaluation resulted in
 *     challenge …" with `WWW-Authenticate: Bearer realm="", authorization_uri="https://login.
 *     microsoftonline.com/common/oauth2/authorize", client_id="00000003-…", error="insufficient_claims",
 *     claims="<base64 of {"access_token":{"nbf":{"essential":true,"value":"T"}}}>"`, T = epoch
 *     seconds when the fault was set. RULE: a token answers it iff it carries `lt_cae_nbf` >= T,
 *     i.e. it was issued by a token request whose `claims` (or, for a code, whose authorize
 *     request's `claims`) contained that challenge's `access_token.nbf`. Tokens issued before the
 *     fault, by a plain refresh, or by a sign-in without those claims are challenged. Requests with
 *     no or an invalid token get the normal answer (401 invalid_token), not the challenge; `times`
 *     counts challenged requests only;
 * - `{ hugeBodyBytes: n }` on GET /v1.0/me/photo/$value: 200 `image/png`, a valid PNG (the token's
 *   user's photo, else the first photo in the tenant) padded with a private ancillary chunk to at
 *   least n bytes (same cap), in one write with Content-Length. On /v1.0/me/photo (metadata) the
 *   huge-body fault is not applied and its `times` is not used; every other fault applies to both
 *   photo paths exactly as to /me;
 * - GET /v1.0/me requires a valid Graph access token (see graphAuth.ts; 401
 *   InvalidAuthenticationToken with WWW-Authenticate) whose scp holds User.Read or
 *   User.ReadBasic.All (else 403 Authorization_RequestDenied), and returns the user's profile in
 *   Graph's shape with `Content-Type: application/json;odata.metadata=minimal;…`;
 * - GET /v1.0/me/photo and /v1.0/me/photo/$value pass the same checks (same 401/403/404 answers),
 *   then answer as graphPhoto.ts describes (404 ImageNotFound for a user without a photo); requests
 *   to them are counted in `graphPhoto` (not `graphMe`);
 * - GET /v1.0/me/calendarView: see graphCalendar.ts (needs Calendars.Read or Calendars.ReadWrite);
 *   counted in `graphCalendar`; every fault applies to it as to /me (a huge body is a valid
 *   calendarView answer padded in an event's bodyPreview);
 * - tokens of both tenants are accepted; the user is the token's (tid, oid) user object (a guest's
 *   Fabrikam token answers the guest object);
 * - anything else is answered in Graph's error shape (400 for unknown segments/versions, 405 for
 *   other methods on /me and the photo paths).
 */
import express from "express";
import type { NextFunction, Request, Response } from "express";
import { CAE_ANSWER_CLAIM } from "./claims.js";
import type { TenantContext } from "./context.js";
import { authenticateGraphRequest } from "./graphAuth.js";
import {
  caeChallengeHeader,
  CAE_CHALLENGE_MESSAGE,
  defaultGraphError,
  GRAPH_WWW_AUTHENTICATE_INVALID_TOKEN,
  graphErrorBody,
  sendGraphError,
} from "./graphErrors.js";
import {
  hugePhotoBytes,
  isPhotoPath,
  PHOTO_METADATA_PATH,
  PHOTO_VALUE_PATH,
  photoMetadataBody,
  sendImageNotFound,
  sendPhotoBytes,
} from "./graphPhoto.js";
import { parseSelect, profileBody } from "./graphProfile.js";
import { newGuid } from "./ids.js";
import { Params } from "./params.js";
import type { GraphClaimsChallengeFault } from "./types.js";
import { authorizedUser, graphIdsOf, sendOData } from "./graphUser.js";
import type { ScopeRequirement } from "./graphUser.js";
import { CALENDAR_VIEW_PATH, calendarView, sendHugeCalendar } from "./graphCalendar.js";

const PROFILE_READ: ScopeRequirement = {
  scopes: ["User.Read", "User.ReadBasic.All"],
  deniedCode: "Authorization_RequestDenied",
  deniedMessage: "Insufficient privileges to complete the operation.",
};
export const MAX_HUGE_BODY_BYTES = 256 * 1024 * 1024;
const FILLER = "Padding for a huge Graph response. ";

const idsOf = graphIdsOf;

function isMePath(path: string): boolean {
  return /^\/v1\.0\/me\/?$/i.test(path);
}

/** The CAE rule: the token was issued answering a claims request for nbf >= the challenge's. */
function answersChallenge(claims: Record<string, unknown>, nbfSeconds: number): boolean {
  const answered = claims[CAE_ANSWER_CLAIM];
  return typeof answered === "number" && answered >= nbfSeconds;
}

async function claimsChallenge(
  ctx: TenantContext,
  fault: GraphClaimsChallengeFault,
  req: Request,
  res: Response,
  next: NextFunction,
): Promise<void> {
  const nbf = ctx.switches.graphSetAtSeconds();
  const auth = await authenticateGraphRequest(ctx, req.get("authorization"));
  // No or an invalid token: Graph's usual 401. A token answering the challenge: served normally.
  if (!auth.ok || answersChallenge(auth.claims, nbf)) return next();
  if (!ctx.switches.useGraphFault(fault)) return next();
  ctx.log(`graph: fault claims challenge (nbf ${nbf}) ${req.method} ${req.path}`);
  sendGraphError(
    ctx,
    res,
    idsOf(res),
    401,
    "InvalidAuthenticationToken",
    CAE_CHALLENGE_MESSAGE,
    caeChallengeHeader(nbf),
  );
}

async function sendHugeProfile(
  ctx: TenantContext,
  req: Request,
  res: Response,
  bytes: number,
): Promise<void> {
  const auth = await authenticateGraphRequest(ctx, req.get("authorization"));
  const user = (auth.ok ? ctx.directory.findObject(auth.tenantId, auth.oid) : undefined) ?? ctx.users[0];
  const wanted = Number.isFinite(bytes) ? Math.min(Math.max(0, Math.floor(bytes)), MAX_HUGE_BODY_BYTES) : 0;
  const profile: Record<string, unknown> = {
    ...(user === undefined ? {} : profileBody(user, undefined)),
    aboutMe: "",
  };
  const padding = Math.max(0, wanted - Buffer.byteLength(JSON.stringify(profile), "utf8"));
  profile.aboutMe = FILLER.repeat(Math.ceil(padding / FILLER.length)).slice(0, padding);
  const size = sendOData(res, profile);
  ctx.log(`graph: fault huge body (${size} bytes) ${req.method} ${req.path}`);
}

/**
 * The huge-body fault on /me/photo/$value: the token's user's photo (else the first photo there is)
 * as a valid PNG padded to at least `bytes`. Without any photo in the tenant: the huge profile.
 */
async function sendHugePhoto(ctx: TenantContext, req: Request, res: Response, bytes: number): Promise<void> {
  const auth = await authenticateGraphRequest(ctx, req.get("authorization"));
  const photo =
    (auth.ok ? ctx.photos.get(auth.oid.toLowerCase()) : undefined) ?? ctx.photos.values().next().value;
  if (photo === undefined) return sendHugeProfile(ctx, req, res, bytes);
  const body = hugePhotoBytes(photo, bytes, MAX_HUGE_BODY_BYTES);
  ctx.log(`graph: fault huge body (${body.length} bytes) ${req.method} ${req.path}`);
  sendPhotoBytes(res, photo, body);
}

async function applyFault(
  ctx: TenantContext,
  req: Request,
  res: Response,
  next: NextFunction,
): Promise<void> {
  const fault = ctx.faults.graph;
  if (fault === null) return next();
  if ("claimsChallenge" in fault) return claimsChallenge(ctx, fault, req, res, next);
  // The photo metadata is small by nature: a huge-body fault passes it by (and keeps its `times`).
  if ("hugeBodyBytes" in fault && PHOTO_METADATA_PATH.test(req.path)) return next();
  if (!ctx.switches.useGraphFault(fault)) return next();
  if ("hang" in fault) {
    ctx.log(`graph: fault hang ${req.method} ${req.path}`);
    return; // never answered; close() destroys the socket
  }
  if ("hugeBodyBytes" in fault) {
    if (CALENDAR_VIEW_PATH.test(req.path)) return sendHugeCalendar(ctx, req, res, fault.hugeBodyBytes);
    return PHOTO_VALUE_PATH.test(req.path)
      ? sendHugePhoto(ctx, req, res, fault.hugeBodyBytes)
      : sendHugeProfile(ctx, req, res, fault.hugeBodyBytes);
  }
  ctx.log(`graph: fault status ${fault.status} ${req.method} ${req.path}`);
  if (fault.status >= 400) ctx.counters.graphErrors += 1;
  const ids = idsOf(res);
  if (fault.status === 401) res.setHeader("WWW-Authenticate", GRAPH_WWW_AUTHENTICATE_INVALID_TOKEN);
  if (fault.status === 429 || fault.status === 503) res.setHeader("Retry-After", "1");
  for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
  res.status(fault.status);
  if (typeof fault.body === "string") {
    res.type("application/json").send(fault.body);
  } else if (fault.body !== undefined) {
    res.type("application/json").send(JSON.stringify(fault.body));
  } else if (fault.status >= 400) {
    const { code, message } = defaultGraphError(fault.status);
    res.type("application/json").send(JSON.stringify(graphErrorBody(code, message, ids, ctx.now())));
  } else {
    res.type("application/json").send("{}");
  }
}

async function me(ctx: TenantContext, req: Request, res: Response): Promise<void> {
  const ids = idsOf(res);
  const user = await authorizedUser(ctx, req, res, ids, PROFILE_READ);
  if (user === undefined) return;
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
  sendOData(res, profileBody(user, select.fields));
}

async function photo(ctx: TenantContext, req: Request, res: Response, value: boolean): Promise<void> {
  const ids = idsOf(res);
  const user = await authorizedUser(ctx, req, res, ids, PROFILE_READ);
  if (user === undefined) return;
  const found = ctx.photos.get(user.oid);
  if (found === undefined) return sendImageNotFound(ctx, res, ids);
  if (value) return sendPhotoBytes(res, found);
  sendOData(res, photoMetadataBody(user.oid, found));
}

function methodNotAllowed(ctx: TenantContext, res: Response): void {
  res.setHeader("Allow", "GET");
  sendGraphError(
    ctx,
    res,
    idsOf(res),
    405,
    "Request_BadRequest",
    "Specified HTTP method is not allowed for the request target.",
  );
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
    else if (isPhotoPath(req.path)) ctx.counters.graphPhoto += 1;
    else if (CALENDAR_VIEW_PATH.test(req.path)) ctx.counters.graphCalendar += 1;
    return applyFault(ctx, req, res, next);
  });

  app.get(/^\/v1\.0\/me\/?$/i, (req: Request, res: Response) => me(ctx, req, res));
  app.all(/^\/v1\.0\/me\/?$/i, (_req: Request, res: Response) => methodNotAllowed(ctx, res));
  app.get(PHOTO_METADATA_PATH, (req: Request, res: Response) => photo(ctx, req, res, false));
  app.get(PHOTO_VALUE_PATH, (req: Request, res: Response) => photo(ctx, req, res, true));
  app.all(PHOTO_METADATA_PATH, (_req: Request, res: Response) => methodNotAllowed(ctx, res));
  app.all(PHOTO_VALUE_PATH, (_req: Request, res: Response) => methodNotAllowed(ctx, res));
  app.get(CALENDAR_VIEW_PATH, (req: Request, res: Response) => calendarView(ctx, req, res));
  app.all(CALENDAR_VIEW_PATH, (_req: Request, res: Response) => methodNotAllowed(ctx, res));
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
