/**
 * Where an app registration can be used, and what a tenant admin consented to for it.
 *
 * Guarantees: a single-tenant app ("AzureADMyOrg", the default) exists only in its home tenant
 * (default: the primary tenant); a multi-tenant app ("AzureADMultipleOrgs") in both. Using an app
 * where it does not exist is AADSTS700016 ("not found in the directory"), as at Entra.
 * `adminConsentedScopes` (default ["User.Read"]) are canonical Graph scope names; registration
 * refuses unknown values.
 */
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import { isGuid } from "./ids.js";
import { DEFAULT_GRAPH_SCOPE, GRAPH_SCOPES } from "./scopes.js";
import type { LocalTenantClient } from "./types.js";

const AUDIENCES: readonly string[] = ["AzureADMyOrg", "AzureADMultipleOrgs"];

/** Validated, normalised copies of the tenancy options (to be merged into the frozen registration). */
export function tenancyOptions(
  client: LocalTenantClient,
): Pick<LocalTenantClient, "signInAudience" | "homeTenantId" | "adminConsentedScopes"> {
  const options: Pick<LocalTenantClient, "signInAudience" | "homeTenantId" | "adminConsentedScopes"> = {};
  if (client.signInAudience !== undefined) {
    if (!AUDIENCES.includes(client.signInAudience)) {
      throw new Error(`signInAudience must be one of ${AUDIENCES.join(", ")}`);
    }
    options.signInAudience = client.signInAudience;
  }
  if (client.homeTenantId !== undefined) {
    if (typeof client.homeTenantId !== "string" || !isGuid(client.homeTenantId)) {
      throw new Error("homeTenantId must be a tenant id (GUID)");
    }
    options.homeTenantId = client.homeTenantId.toLowerCase();
  }
  if (client.adminConsentedScopes !== undefined) {
    options.adminConsentedScopes = Object.freeze(
      client.adminConsentedScopes.map((scope) => {
        const canonical = GRAPH_SCOPES.find((known) => known.toLowerCase() === String(scope).toLowerCase());
        if (canonical === undefined) throw new Error(`adminConsentedScopes: unknown Graph scope '${scope}'`);
        return canonical;
      }),
    ) as string[];
  }
  return options;
}

export function clientHomeTenant(ctx: TenantContext, client: Readonly<LocalTenantClient>): string {
  return client.homeTenantId ?? ctx.tenantId;
}

/** AADSTS700016 when the app does not exist in `tenantId`. */
export function clientAvailabilityError(
  ctx: TenantContext,
  client: Readonly<LocalTenantClient>,
  tenantId: string,
  httpStatus?: number,
): EntraError | undefined {
  if (client.signInAudience === "AzureADMultipleOrgs") return undefined;
  if (clientHomeTenant(ctx, client) === tenantId) return undefined;
  return aadsts.unknownClient(client.clientId, tenantId, httpStatus);
}

export function adminConsentedScopes(client: Readonly<LocalTenantClient>): readonly string[] {
  return client.adminConsentedScopes ?? [DEFAULT_GRAPH_SCOPE];
}
