/**
 * The `scope` parameter of a token request.
 *
 * Guarantees: it is optional (the grant already carries scopes); when present it must parse
 * (AADSTS70011 / AADSTS28000) and may name only Graph scopes this user has consented to for this
 * client in this tenant (consent is recorded at /authorize: see consent.ts), else invalid_grant AADSTS65001 with suberror consent_required — no escalation by refresh.
 */
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import { parseScopes } from "./scopes.js";

export function requestedScopeError(
  ctx: TenantContext,
  rawScope: string | undefined,
  tenantId: string,
  oid: string,
  clientId: string,
): EntraError | undefined {
  if (rawScope === undefined) return undefined;
  const parsed = parseScopes(rawScope);
  if (!parsed.ok) return parsed.error;
  const consented = ctx.grants.consentedScopes(tenantId, oid, clientId);
  const missing = parsed.scopes.graph.filter((scope) => !consented.includes(scope));
  return missing.length === 0 ? undefined : aadsts.consentRequired(clientId, missing.join(" "));
}
