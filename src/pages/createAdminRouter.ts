/**
 * GET /admin, the operator page, for holders of the app role ADMIN_ROLE (requireRole): the service's
 * state (serviceState.ts). Never cached. `adminLink` tells the header whether to show the link: only
 * to holders of the role, since others would only meet the 403 page.
 */
import { Router } from "express";
import type { RequestHandler } from "express";
import { hasRole } from "../auth/appRoles.js";
import { requireRole } from "../auth/requireRole.js";
import type { ServiceState } from "./serviceState.js";

export interface AdminRouterDeps {
  adminRole: string;
  serviceState: (requestId: string) => Promise<ServiceState>;
}

export function createAdminRouter({ adminRole, serviceState }: AdminRouterDeps): Router {
  const router = Router();
  router.get("/admin", requireRole(adminRole), async (_req, res) => {
    const state = await serviceState(res.locals.requestId);
    // Said here as well as app-wide (noStore): this page must never be kept.
    res.set("Cache-Control", "no-store");
    res.render("admin", { title: "Service state", state, adminRole });
  });
  return router;
}

/** Sets `res.locals.adminLink` for the header, from the session's account (before any page runs). */
export function adminLinkLocals(adminRole: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.adminLink = hasRole(res.locals.account?.roles, adminRole);
    next();
  };
}
