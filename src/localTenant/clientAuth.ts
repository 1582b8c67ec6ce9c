/**
 * Client authentication at the token endpoint.
 *
 * Guarantees: client_secret_post or client_secret_basic (RFC 6749 §2.3.1: id and secret
 * form-urlencoded inside the Basic credentials), never both at once; unknown client →
 * unauthorized_client AADSTS700016; no credential → invalid_client AADSTS7000218 (401); wrong secret
 * → invalid_client AADSTS7000215 (401), compared in constant time; a client assertion
 * (private_key_jwt) → invalid_client AADSTS700027, since no certificate is ever registered here.
 */
import { secretMatches } from "./clients.js";
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import type { Params } from "./params.js";
import type { LocalTenantClient } from "./types.js";

export type ClientAuthResult =
  { ok: true; client: Readonly<LocalTenantClient> } | { ok: false; error: EntraError };

interface BasicCredentials {
  id: string;
  secret: string;
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

/** undefined: no Basic header; null: a Basic header that cannot be decoded. */
function readBasic(authorization: string | undefined): BasicCredentials | undefined | null {
  if (authorization === undefined) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (match === null) return authorization.toLowerCase().startsWith("basic") ? null : undefined;
  const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? null : { id, secret };
}

export function authenticateClient(
  ctx: TenantContext,
  authorization: string | undefined,
  form: Params,
): ClientAuthResult {
  const basic = readBasic(authorization);
  if (basic === null) return { ok: false, error: aadsts.malformed() };
  const bodyId = form.get("client_id");
  const bodySecret = form.get("client_secret");
  if (basic !== undefined && bodyId !== undefined && bodyId.toLowerCase() !== basic.id.toLowerCase()) {
    return { ok: false, error: aadsts.conflictingClientIds() };
  }
  if (basic !== undefined && bodySecret !== undefined) return { ok: false, error: aadsts.malformed() };
  const clientId = basic?.id ?? bodyId;
  if (clientId === undefined) return { ok: false, error: aadsts.missingParameter("client_id") };
  const client = ctx.clients.get(clientId);
  if (client === undefined) return { ok: false, error: aadsts.unknownClient(clientId, ctx.tenantId) };
  if (form.get("client_assertion") !== undefined) {
    return { ok: false, error: aadsts.clientAssertionUnsupported(client.clientId) };
  }
  const secret = basic?.secret ?? bodySecret;
  if (secret === undefined || secret === "") return { ok: false, error: aadsts.missingClientCredential() };
  if (!secretMatches(client, secret)) return { ok: false, error: aadsts.wrongClientSecret(client.clientId) };
  return { ok: true, client };
}
