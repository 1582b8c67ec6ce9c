/**
 * The tenant segment of every identity-provider path.
 *
 * Guarantees: only this tenant's id (case-insensitive) is served; any other value — a domain,
 * "common", "organizations", another GUID — is answered with AADSTS90002 "Tenant … not found".
 */
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";

export function checkTenant(
  ctx: TenantContext,
  tenant: unknown,
  oauthError?: string,
): EntraError | undefined {
  const value = typeof tenant === "string" ? tenant : "";
  return value.toLowerCase() === ctx.tenantId ? undefined : aadsts.tenantNotFound(value, oauthError);
}
