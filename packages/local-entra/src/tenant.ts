/**
 * The tenant segment of every identity-provider path.
 *
 * Guarantees: either tenant's id (case-insensitive), `common` and `organizations` are served (the
 * last two: "the user's home tenant", resolved at sign-in; a single-tenant app is refused there,
 * AADSTS50194, see clientTenancy.ts); anything else — a domain, `consumers`, another GUID — is
 * answered with AADSTS90002 "Tenant … not found", as at Entra for a tenant that does not exist.
 * Entra would resolve a tenant's verified domain to the tenant, and refuse these apps at
 * `consumers` as not enabled for personal accounts; this stand-in has no domain lookup and no
 * personal-account side, so it refuses both as unknown tenants (stricter, never laxer).
 */
import type { TenantContext } from "./context.js";
import type { DirectoryTenant } from "./directory.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";

export const MULTI_TENANT_SEGMENTS: readonly string[] = ["common", "organizations"];

/** A resolved segment: `tenant` is undefined for common/organizations. */
export interface TenantSegment {
  /** A tenant id (lower case), "common" or "organizations". */
  segment: string;
  tenant: DirectoryTenant | undefined;
}

export type TenantResult = { ok: true; value: TenantSegment } | { ok: false; error: EntraError };

export function resolveTenant(ctx: TenantContext, tenant: unknown, oauthError?: string): TenantResult {
  const raw = typeof tenant === "string" ? tenant : "";
  const value = raw.toLowerCase();
  if (MULTI_TENANT_SEGMENTS.includes(value))
    return { ok: true, value: { segment: value, tenant: undefined } };
  const found = ctx.directory.tenant(value);
  if (found !== undefined) return { ok: true, value: { segment: found.tenantId, tenant: found } };
  return { ok: false, error: aadsts.tenantNotFound(raw, oauthError) };
}

/** The error for a segment this stand-in does not serve, if any. */
export function checkTenant(
  ctx: TenantContext,
  tenant: unknown,
  oauthError?: string,
): EntraError | undefined {
  const result = resolveTenant(ctx, tenant, oauthError);
  return result.ok ? undefined : result.error;
}

/** A segment stored by an earlier step (already resolved) back to its tenant, if it names one. */
export function tenantOfSegment(ctx: TenantContext, segment: string): DirectoryTenant | undefined {
  return ctx.directory.tenant(segment);
}
