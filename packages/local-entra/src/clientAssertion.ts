/**
 * private_key_jwt: authenticating a confidential client by a signed client assertion
 * (RFC 7523 §2.2), checked the way Entra checks certificate credentials.
 *
 * Guarantees, in this order (the first failure answers): the assertion is a JWS compact JWT
 * (else AADSTS50027); the client is the form's `client_id`, or the assertion's `iss` when the form
 * has none (unknown → AADSTS700016); `alg` is RS256 or PS256 (`none`, HS256 and the rest →
 * AADSTS700027, since a certificate cannot verify them); `iss` and `sub` are both the client id, and
 * a form `client_id` equals them (AADSTS700021); the key comes from clientAssertionKey.ts; the
 * signature verifies with jose against that key alone (AADSTS700027); `aud` is a single string equal
 * to this tenant's token endpoint exactly as discovery publishes it (an array → AADSTS50027, any
 * other value → AADSTS700023; Entra also accepts a few older audience forms, this stand-in does
 * not); `exp` is present and in the future, `nbf` and `iat` (when present) are at most 5 minutes in
 * the future, and `exp` is at most 10 minutes + 5 minutes of skew away (AADSTS700024); `jti` is
 * present and not seen before for this client (else AADSTS50027).
 *
 * Why the lifetime bound: Entra's certificate-credentials page asks for assertions valid "5-10
 * minutes after nbf at most" (while saying Entra does not enforce it today), and every MSAL
 * signs exactly 600 s (msal-node ClientAssertion: exp = nbf + 600). 600 s + the 300 s skew accepts
 * everything MSAL sends and refuses long-lived, stealable assertions.
 *
 * Federated assertions: when the registration has federated identity credentials and the
 * assertion's `iss` is not the client id, the assertion is a platform's token and
 * federatedAssertion.ts checks it instead (a registration without federated credentials keeps the
 * AADSTS700021 answer above).
 *
 * Deliberately stricter than Entra: one-time `jti`. Entra does not refuse a reused assertion, and
 * msal-node caches its signed assertion per ConfidentialClientApplication for up to 600 s, so one
 * long-lived client instance making two token requests within 10 minutes is refused here (the app
 * builds a fresh client per request, which is unaffected).
 */
import { compactVerify, decodeJwt, decodeProtectedHeader } from "jose";
import type { JWSHeaderParameters, JWTPayload } from "jose";
import type { AssertionAuthResult } from "./assertionResult.js";
import { resolveAssertionKey } from "./clientAssertionKey.js";
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import { authenticateByFederatedAssertion } from "./federatedAssertion.js";
import type { LocalTenantClient } from "./types.js";

export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ALGORITHMS = ["RS256", "PS256"];
const SKEW_SECONDS = 300;
const MAX_LIFETIME_SECONDS = 600;

interface Decoded {
  header: JWSHeaderParameters;
  payload: JWTPayload;
}

function decode(assertion: string): Decoded | undefined {
  try {
    return { header: decodeProtectedHeader(assertion), payload: decodeJwt(assertion) };
  } catch {
    return undefined;
  }
}

/** The assertion's audience: the addressed tenant's token endpoint, as discovery publishes it. */
export function assertionAudience(ctx: TenantContext, tenantId: string): string {
  return `${ctx.origin}/${tenantId}/oauth2/v2.0/token`;
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function checkTimes(payload: JWTPayload, nowMs: number): EntraError | undefined {
  const { exp, nbf, iat } = payload;
  for (const value of [exp, nbf, iat]) {
    if (value !== undefined && !Number.isFinite(value))
      return aadsts.assertionMalformed("exp, nbf and iat must be numbers");
  }
  const now = nowMs / 1000;
  const range = (detail?: string): EntraError =>
    aadsts.assertionTimeRange(
      new Date(nowMs),
      nbf === undefined ? undefined : new Date(nbf * 1000),
      exp === undefined ? undefined : new Date(exp * 1000),
      detail,
    );
  if (exp === undefined || exp <= now) return range();
  if (nbf !== undefined && nbf > now + SKEW_SECONDS) return range();
  if (iat !== undefined && iat > now + SKEW_SECONDS) return range("iat is in the future");
  if (exp > now + MAX_LIFETIME_SECONDS + SKEW_SECONDS) {
    return range(
      `exp is more than ${MAX_LIFETIME_SECONDS + SKEW_SECONDS} seconds away; assertions live at most 10 minutes`,
    );
  }
  return undefined;
}

function checkIdentity(client: Readonly<LocalTenantClient>, payload: JWTPayload): EntraError | undefined {
  const { iss, sub } = payload;
  if (typeof iss !== "string" || typeof sub !== "string") return aadsts.assertionClientIdMismatch();
  if (!sameId(iss, sub) || !sameId(iss, client.clientId)) return aadsts.assertionClientIdMismatch();
  return undefined;
}

export async function authenticateByAssertion(
  ctx: TenantContext,
  formClientId: string | undefined,
  assertion: string,
  request: { nowMs: number; tenantId: string },
): Promise<AssertionAuthResult> {
  const { nowMs, tenantId } = request;
  const fail = (error: EntraError): AssertionAuthResult => ({ ok: false, error });
  const decoded = decode(assertion);
  if (decoded === undefined) return fail(aadsts.assertionMalformed());
  const { header, payload } = decoded;
  const clientId = formClientId ?? (typeof payload.iss === "string" ? payload.iss : undefined);
  if (clientId === undefined) return fail(aadsts.missingParameter("client_id"));
  const client = ctx.clients.get(clientId);
  if (client === undefined) return fail(aadsts.unknownClient(clientId, ctx.tenantId));
  if (
    typeof payload.iss === "string" &&
    !sameId(payload.iss, client.clientId) &&
    ctx.clients.federatedCredentials(client.clientId).length > 0
  ) {
    return authenticateByFederatedAssertion(ctx, client, assertion, decoded, nowMs);
  }
  if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg)) {
    return fail(
      aadsts.assertionSignatureInvalid(
        `The signing algorithm '${String(header.alg)}' is not accepted; use RS256 or PS256.`,
        undefined,
      ),
    );
  }
  const identityError = checkIdentity(client, payload);
  if (identityError !== undefined) return fail(identityError);

  const key = resolveAssertionKey(
    client.clientId,
    ctx.clients.credentials(client.clientId),
    header,
    new Date(nowMs),
  );
  if (!key.ok) return fail(key.error);
  try {
    await compactVerify(assertion, key.key, { algorithms: ALGORITHMS });
  } catch {
    return fail(
      aadsts.assertionSignatureInvalid(
        "The provided signature value did not match the expected signature value.",
        key.thumbprintHex,
      ),
    );
  }

  if (Array.isArray(payload.aud)) return fail(aadsts.assertionMalformed("aud must be a single string"));
  if (payload.aud !== assertionAudience(ctx, tenantId)) return fail(aadsts.assertionAudienceMismatch());
  const timeError = checkTimes(payload, nowMs);
  if (timeError !== undefined) return fail(timeError);
  const { jti, exp } = payload;
  if (typeof jti !== "string" || jti === "")
    return fail(aadsts.assertionMalformed("the assertion has no jti"));
  // Entra accepts an assertion until its exp (msal-node reuses one per client for 600 s); one-time
  // use is a test switch, like strictRefreshTokenReuse.
  const firstUse = ctx.assertionReplay.accept(client.clientId, jti, (exp ?? 0) * 1000, nowMs);
  if (!firstUse && ctx.settings.strictClientAssertionReplay) {
    return fail(aadsts.assertionReplayed());
  }
  return { ok: true, client };
}
