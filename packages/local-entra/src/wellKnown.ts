/**
 * Well-known names, spelled as Entra and Graph spell them: Microsoft Graph's app id and its URI
 * audience, and a tenant's v1 and v2.0 issuers.
 *
 * Guarantees: constants and pure functions; this file imports nothing, so any step — the stores and
 * the directory that the tenant context itself refers to included — can use them without an import
 * cycle through context.ts (which re-exports them).
 */

/** Graph accepts either audience; a token carries the one its scope form asks for (scopes.ts). */
export const GRAPH_AUDIENCE = "https://graph.microsoft.com";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** v1 issuer (Graph access tokens, a guest's `idp`): `https://sts.windows.net/{tenantId}/`. */
export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** v2.0 id token issuer of a tenant: `{cloudInstance}{tenantId}/v2.0`. */
export function v2Issuer(ctx: { readonly cloudInstance: string }, tenantId: string): string {
  return `${ctx.cloudInstance}${tenantId}/v2.0`;
}
