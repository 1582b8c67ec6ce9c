/**
 * Validating a bearer token presented to the Graph stand-in.
 *
 * Guarantees: a token is accepted only if it is a JWS verified (RS256) against this tenant's
 * signing key — after Graph's header-nonce substitution (a header `nonce` is replaced by
 * base64url(SHA-256(nonce)) before the check: graphAccessToken.ts) — with iss
 * `https://sts.windows.net/{tid}/`, aud `https://graph.microsoft.com` or Graph's app id (Entra
 * issues either, by the scope form), tid of either tenant (and iss matching it), exp and iat
 * present, and exp/nbf within Graph's 5-minute clock skew of the tenant's clock (`ctx.now`). Failures come back with Graph's messages ("Access token is empty.", "… Invalid
 * audience.", "Lifetime validation failed, the token is expired.", …) for a 401, and say whether a
 * token was presented at all (Graph's WWW-Authenticate then carries `error="invalid_token"`).
 */
import { errors, jwtVerify } from "jose";
import type { JWTPayload } from "jose";
import type { TenantContext } from "./context.js";
import { GRAPH_APP_ID, GRAPH_AUDIENCE, v1Issuer } from "./context.js";
import { signedFormOfGraphToken } from "./graphAccessToken.js";

export const GRAPH_CLOCK_SKEW_SECONDS = 300;

export type GraphAuthResult =
  | { ok: true; oid: string; tenantId: string; scopes: string[]; claims: JWTPayload }
  | { ok: false; message: string; tokenPresent: boolean };

function failure(message: string): GraphAuthResult {
  return { ok: false, message, tokenPresent: true };
}

function audienceOk(aud: JWTPayload["aud"]): boolean {
  const values = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  return values.length === 1 && (values[0] === GRAPH_AUDIENCE || values[0] === GRAPH_APP_ID);
}

export async function authenticateGraphRequest(
  ctx: TenantContext,
  authorization: string | undefined,
): Promise<GraphAuthResult> {
  const match = authorization === undefined ? null : /^Bearer\s+(\S*)\s*$/i.exec(authorization);
  const token = match?.[1] ?? "";
  if (token === "") return { ok: false, message: "Access token is empty.", tokenPresent: false };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(signedFormOfGraphToken(token), ctx.signingKey.publicKey, {
      algorithms: ["RS256"],
      clockTolerance: GRAPH_CLOCK_SKEW_SECONDS,
      currentDate: new Date(ctx.now()),
      requiredClaims: ["exp", "iat"],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      return failure("Lifetime validation failed, the token is expired.");
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "nbf") {
      return failure("Lifetime validation failed, the token is not yet valid.");
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return failure("Access token validation failure. Invalid signature.");
    }
    return failure("Access token validation failure.");
  }
  const tenant = typeof payload.tid === "string" ? ctx.directory.tenant(payload.tid) : undefined;
  if (tenant === undefined || payload.tid !== tenant.tenantId || payload.iss !== v1Issuer(tenant.tenantId)) {
    return failure("Access token validation failure. Invalid issuer.");
  }
  if (!audienceOk(payload.aud)) return failure("Access token validation failure. Invalid audience.");
  if (typeof payload.oid !== "string") return failure("Access token validation failure.");
  const scopes = typeof payload.scp === "string" ? payload.scp.split(" ").filter((s) => s !== "") : [];
  return { ok: true, oid: payload.oid, tenantId: tenant.tenantId, scopes, claims: payload };
}
