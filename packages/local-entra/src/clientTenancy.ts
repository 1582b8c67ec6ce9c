/**
 * Where an app registration can be used, and what a tenant admin consented to for it.
 *
 * Guarantees, as at Entra: a single-tenant app ("AzureADMyOrg", the default) exists only in its
 * home tenant (default: the primary tenant); a multi-tenant app ("AzureADMultipleOrgs") in both.
 * Through a tenant id, an app that does not exist there is AADSTS700016 ("not found in the
 * directory"). Through `common` or `organizations` a single-tenant app is refused outright,
 * AADSTS50194 ("is not configured as a multi-tenant application. Usage of the /common endpoint is
 * not supported …"), at the authorize and token endpoints alike — whatever account would sign in.
 * `adminConsentedScopes` (default ["User.Read"]) are canonical Graph scope names (checked at
 * registration, see clients.ts).
 */
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import { DEFAULT_GRAPH_SCOPE } from "./scopes.js";
import { MULTI_TENANT_SEGMENTS } from "./tenant.js";
import type { LocalTenantClient } from "./types.js";

export function clientHomeTenant(ctx: TenantContext, client: Readonly<LocalTenantClient>): string {
  return client.homeTenantId ?? ctx.tenantId;
}

function isMultiTenant(client: Readonly<LocalTenantClient>): boolean {
  return client.signInAudience === "AzureADMultipleOrgs";
}

/** AADSTS700016 when the app does not exist in `tenantId`. */
export function clientAvailabilityError(
  ctx: TenantContext,
  client: Readonly<LocalTenantClient>,
  tenantId: string,
  httpStatus?: number,
): EntraError | undefined {
  if (isMultiTenant(client)) return undefined;
  if (clientHomeTenant(ctx, client) === tenantId) return undefined;
  return aadsts.unknownClient(client.clientId, tenantId, httpStatus);
}

/**
 * The error for using the app through a path's tenant segment (already resolved, see tenant.ts):
 * AADSTS50194 for a single-tenant app at common/organizations, AADSTS700016 at a tenant it does not
 * exist in, else undefined.
 */
export function clientTenancyError(
  ctx: TenantContext,
  client: Readonly<LocalTenantClient>,
  segment: string,
): EntraError | undefined {
  const value = segment.toLowerCase();
  if (MULTI_TENANT_SEGMENTS.includes(value)) {
    return isMultiTenant(client) ? undefined : aadsts.notMultiTenant(client.clientId);
  }
  const tenant = ctx.directory.tenant(value);
  return tenant === undefined ? undefined : clientAvailabilityError(ctx, client, tenant.tenantId);
}

export function adminConsentedScopes(client: Readonly<LocalTenantClient>): readonly string[] {
  return client.adminConsentedScopes ?? [DEFAULT_GRAPH_SCOPE];
}
