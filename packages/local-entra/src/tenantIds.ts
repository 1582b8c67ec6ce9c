/**
 * The two tenants' fixed identities.
 *
 * Guarantees: fixed GUIDs (lower case) and names, stable across restarts, so tests, fixtures and the
 * users' `tenantId`/`homeTenantId` can name them. The primary tenant ("Contoso", contoso.test) may be
 * given another id at start (LocalTenantOptions.tenantId); the second ("Fabrikam", fabrikam.test)
 * cannot.
 */

/** The primary tenant's id when none is given ("Contoso", contoso.test). */
export const DEFAULT_TENANT_ID = "7d3f6a41-2c8e-4b95-a0d6-3e1f5b9c8a24";
/** The second tenant's fixed id ("Fabrikam", fabrikam.test). */
export const SECOND_TENANT_ID = "b5e2c8d1-7a43-4f6e-9c0b-2d8e4f6a1c37";

export const PRIMARY_TENANT_NAME = "Contoso";
export const PRIMARY_TENANT_DOMAIN = "contoso.test";
export const SECOND_TENANT_NAME = "Fabrikam";
export const SECOND_TENANT_DOMAIN = "fabrikam.test";
