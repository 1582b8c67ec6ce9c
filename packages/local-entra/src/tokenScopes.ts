/**
 * The `scope` parameter of a token request.
 *
 * Guarantees: it is optional (the grant already carries scopes); when present it must parse
 * (AADSTS70011 / AADSTS28000) and may name only Graph scopes this user has consented to for this
 * client in this tenant (consent is recorded at /authorize: see consent.ts), else invalid_grant
 * AADSTS65001 with suberror consent_required — no escalation by refresh. A valid one is returned
 * parsed: it decides the OIDC scopes of the answer and the Graph token's audience (scopes.ts).
 */
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import { parseScopes } from "./scopes.js";
import type { ParsedScopes } from "./scopes.js";

export type RequestedScopes =
  { ok: true; scopes: ParsedScopes | undefined } | { ok: false; error: EntraError };

export function checkRequestedScopes(
  ctx: TenantContext,
  rawScope: string | undefined,
  tenantId: string,
  oid: string,
  clientId: string,
): RequestedScopes {
  if (rawScope === undefined) return { ok: true, scopes: undefined };
  const parsed = parseScopes(rawScope);
  if (!parsed.ok) return parsed;
  const consented = ctx.grants.consentedScopes(tenantId, oid, clientId);
  const missing = parsed.scopes.graph.filter((scope) => !consented.includes(scope));
  return missing.length === 0
    ? { ok: true, scopes: parsed.scopes }
    : { ok: false, error: aadsts.consentRequired(clientId, missing.join(" ")) };
}
