/**
 * Client authentication at the token endpoint.
 *
 * Guarantees: exactly one credential per request — client_secret_post, client_secret_basic
 * (RFC 6749 §2.3.1: id and secret form-urlencoded inside the Basic credentials) or a client
 * assertion (private_key_jwt, see clientAssertion.ts); a secret and an assertion together, or a
 * secret both in Basic and in the body → invalid_request AADSTS9002313. Unknown client →
 * unauthorized_client AADSTS700016; no credential → invalid_client AADSTS7000218 (401); wrong secret
 * → invalid_client AADSTS7000215 (401), compared in constant time — also for a certificate-only
 * registration, which has no secret to match; a secret equal only to an expired `clientSecrets`
 * entry (on the tenant's clock) → invalid_client AADSTS7000222 (401). Secrets overlap during a
 * rotation: `clientSecret` and every unexpired `clientSecrets` entry are valid at once. An assertion needs `client_assertion_type`
 * (missing → AADSTS900144) equal to `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
 * (else invalid_request AADSTS90011).
 */
import { authenticateByAssertion, JWT_BEARER_ASSERTION_TYPE } from "./clientAssertion.js";
import { checkSecret } from "./clients.js";
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

function authenticateByAssertionForm(
  ctx: TenantContext,
  form: Params,
  nowMs: number,
  tenantId: string,
): Promise<ClientAuthResult> | ClientAuthResult {
  const assertionType = form.get("client_assertion_type");
  if (assertionType === undefined)
    return { ok: false, error: aadsts.missingParameter("client_assertion_type") };
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE)
    return { ok: false, error: aadsts.unexpectedAssertionType() };
  const assertion = form.get("client_assertion");
  if (assertion === undefined) return { ok: false, error: aadsts.missingClientCredential() };
  return authenticateByAssertion(ctx, form.get("client_id"), assertion, { nowMs, tenantId });
}

export async function authenticateClient(
  ctx: TenantContext,
  authorization: string | undefined,
  form: Params,
  /** The tenant's clock (epoch ms): assertion times are checked against it. */
  nowMs: number,
  /** The tenant the request addressed (already checked); it names the assertion's audience. */
  tenantId: string = ctx.tenantId,
): Promise<ClientAuthResult> {
  const basic = readBasic(authorization);
  if (basic === null) return { ok: false, error: aadsts.malformed() };
  const bodyId = form.get("client_id");
  const bodySecret = form.get("client_secret");
  if (basic !== undefined && bodyId !== undefined && bodyId.toLowerCase() !== basic.id.toLowerCase()) {
    return { ok: false, error: aadsts.conflictingClientIds() };
  }
  if (basic !== undefined && bodySecret !== undefined) return { ok: false, error: aadsts.malformed() };
  const sendsAssertion =
    form.get("client_assertion") !== undefined || form.get("client_assertion_type") !== undefined;
  if (sendsAssertion) {
    if (basic !== undefined || bodySecret !== undefined) return { ok: false, error: aadsts.malformed() };
    return authenticateByAssertionForm(ctx, form, nowMs, tenantId.toLowerCase());
  }
  const clientId = basic?.id ?? bodyId;
  if (clientId === undefined) return { ok: false, error: aadsts.missingParameter("client_id") };
  const client = ctx.clients.get(clientId);
  if (client === undefined) return { ok: false, error: aadsts.unknownClient(clientId, ctx.tenantId) };
  const secret = basic?.secret ?? bodySecret;
  if (secret === undefined || secret === "") return { ok: false, error: aadsts.missingClientCredential() };
  const checked = checkSecret(client, secret, nowMs);
  if (checked === "expired") return { ok: false, error: aadsts.clientSecretExpired(client.clientId) };
  if (checked === "wrong") return { ok: false, error: aadsts.wrongClientSecret(client.clientId) };
  return { ok: true, client };
}
