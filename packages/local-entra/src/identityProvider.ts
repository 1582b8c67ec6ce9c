/**
 * The identity provider's HTTP surface: routes Entra's path layout to the step handlers.
 *
 * Guarantees: only these endpoints exist, all under /{tenant}:
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   GET  /{tenant}/discovery/v2.0/keys
 *   GET  /{tenant}/oauth2/v2.0/authorize
 *   POST /{tenant}/oauth2/v2.0/authorize/complete      (the sign-in form; not an Entra endpoint)
 *   POST /{tenant}/oauth2/v2.0/authorize/consent       (the consent form; not an Entra endpoint)
 *   POST /{tenant}/oauth2/v2.0/token                   (GET → AADSTS900561)
 *   GET  /{tenant}/oauth2/v2.0/logout
 *   POST /{tenant}/oauth2/v2.0/logout                  (Entra takes both; the account picker posts)
 *   GET  /error?code=nnnn                              (target of error_uri)
 * Anything else → 404 in Entra's JSON error shape. Bodies are read only as
 * application/x-www-form-urlencoded text, at most 64 kB. Unexpected failures → 500 in Entra's
 * shape, reported through `log`, never to the console.
 */
import express from "express";
import type { NextFunction, Request, Response } from "express";
import { authorizeHandler } from "./authorize.js";
import { consentHandler } from "./consent.js";
import type { TenantContext } from "./context.js";
import { discoveryHandler, jwksHandler } from "./discovery.js";
import { aadsts, newRequestIds, sendEntraJsonError } from "./errors.js";
import { logoutHandler } from "./logout.js";
import { sendErrorLookupPage } from "./pages.js";
import { signInHandler } from "./signIn.js";
import { tokenHandler } from "./token.js";

function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  return typeof error.status === "number" ? error.status : undefined;
}

export function createIdentityProviderApp(ctx: TenantContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  const formBody = express.text({ type: "application/x-www-form-urlencoded", limit: "64kb" });

  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    res.on("finish", () => ctx.log(`idp: ${req.method} ${req.path} -> ${res.statusCode}`));
    next();
  });

  app.get("/:tenant/v2.0/.well-known/openid-configuration", discoveryHandler(ctx));
  app.get("/:tenant/discovery/v2.0/keys", jwksHandler(ctx));
  app.get("/:tenant/oauth2/v2.0/authorize", authorizeHandler(ctx));
  app.post("/:tenant/oauth2/v2.0/authorize/complete", formBody, signInHandler(ctx));
  app.post("/:tenant/oauth2/v2.0/authorize/consent", formBody, consentHandler(ctx));
  app.post("/:tenant/oauth2/v2.0/token", formBody, tokenHandler(ctx));
  app.get("/:tenant/oauth2/v2.0/token", (req: Request, res: Response) => {
    sendEntraJsonError(
      res,
      ctx.origin,
      aadsts.getOnPostEndpoint(),
      newRequestIds(req.get("client-request-id"), ctx.now()),
    );
  });
  app.get("/:tenant/oauth2/v2.0/logout", logoutHandler(ctx));
  app.post("/:tenant/oauth2/v2.0/logout", formBody, logoutHandler(ctx));
  app.get("/error", (req: Request, res: Response) => {
    const code = new URL(req.originalUrl, ctx.origin).searchParams.get("code") ?? "";
    sendErrorLookupPage(res, /^\d{1,9}$/.test(code) ? code : "unknown");
  });

  app.use((req: Request, res: Response) => {
    const ids = newRequestIds(req.get("client-request-id"), ctx.now());
    sendEntraJsonError(res, ctx.origin, aadsts.notFound(), ids);
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = statusOf(error);
    const ids = newRequestIds(req.get("client-request-id"), ctx.now());
    if (res.headersSent) return;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendEntraJsonError(res, ctx.origin, { ...aadsts.malformed(), httpStatus: status }, ids);
    }
    ctx.log(
      `idp: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    sendEntraJsonError(res, ctx.origin, aadsts.transient(500), ids);
  });
  return app;
}
