/**
 * GET /{tenant}/v2.0/.well-known/openid-configuration and GET /{tenant}/discovery/v2.0/keys.
 *
 * Guarantees: the discovery document has Entra's v2.0 shape with every endpoint under
 * `{origin}/{segment}/…` (the path's segment: a tenant id, `common` or `organizations`) and issuer
 * `{cloudInstance}{tenantId}/v2.0` — for common/organizations the literal `{tenantid}` placeholder,
 * as Entra publishes it (and tenant_region_scope null); it lists only what this stand-in
 * actually supports (response type `code`; query, fragment, form_post). The JWKS publishes the one
 * signing key both tenants use as Entra's v2 keys look (kty, use, kid, x5t, n, e, x5c — see
 * keys.ts) plus Entra's per-key `issuer` (the same placeholder form for common/organizations).
 * Unknown tenant → 400
 * invalid_tenant AADSTS90002. Both count their requests.
 */
import type { Request, RequestHandler, Response } from "express";
import type { TenantContext } from "./context.js";
import { newRequestIds, sendEntraJsonError } from "./errors.js";
import { OIDC_SCOPES } from "./scopes.js";
import { resolveTenant } from "./tenant.js";
import type { TenantSegment } from "./tenant.js";

/** The issuer a segment publishes: its tenant's, or Entra's `{tenantid}` placeholder. */
function publishedIssuer(ctx: TenantContext, segment: TenantSegment): string {
  return `${ctx.cloudInstance}${segment.tenant?.tenantId ?? "{tenantid}"}/v2.0`;
}

export function discoveryDocument(
  ctx: TenantContext,
  segment: TenantSegment = { segment: ctx.tenantId, tenant: ctx.directory.primary },
): Record<string, unknown> {
  const base = `${ctx.origin}/${segment.segment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code"],
    scopes_supported: [...OIDC_SCOPES],
    issuer: publishedIssuer(ctx, segment),
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    tenant_region_scope: segment.tenant === undefined ? null : "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: new URL(ctx.graphOrigin).host,
    rbac_url: "https://pas.windows.net",
  };
}

function sendMetadata(res: Response, body: unknown): void {
  res.setHeader("Cache-Control", "max-age=86400, private");
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.status(200).json(body);
}

export function discoveryHandler(ctx: TenantContext): RequestHandler {
  return (req: Request, res: Response): void => {
    ctx.counters.discovery += 1;
    const resolved = resolveTenant(ctx, req.params.tenant, "invalid_tenant");
    if (!resolved.ok) {
      const ids = newRequestIds(req.get("client-request-id"), ctx.now());
      return sendEntraJsonError(res, ctx.origin, resolved.error, ids);
    }
    sendMetadata(res, discoveryDocument(ctx, resolved.value));
  };
}

export function jwksHandler(ctx: TenantContext): RequestHandler {
  return (req: Request, res: Response): void => {
    ctx.counters.jwks += 1;
    const resolved = resolveTenant(ctx, req.params.tenant, "invalid_tenant");
    if (!resolved.ok) {
      const ids = newRequestIds(req.get("client-request-id"), ctx.now());
      return sendEntraJsonError(res, ctx.origin, resolved.error, ids);
    }
    const issuer = publishedIssuer(ctx, resolved.value);
    sendMetadata(res, { keys: [{ ...ctx.signingKey.publicJwk, issuer }] });
  };
}
