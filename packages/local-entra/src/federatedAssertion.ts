/**
 * Workload identity federation: a client assertion issued by an external platform (Kubernetes'
 * service-account token issuer, GitHub Actions, …) and trusted through a federated identity
 * credential of the registration. clientAssertion.ts sends an assertion here when its `iss` is not
 * the client id and the registration has federated credentials.
 *
 * Guarantees, in this order (the first failure answers, invalid_client, 401): some credential names
 * the assertion's `iss` exactly (else AADSTS700211); `alg` is RS256 (else AADSTS700027); its `kid`
 * is among the keys of that issuer's credentials (else AADSTS7000272); the signature verifies with
 * jose against that key alone (else AADSTS700027); a credential of that issuer names `sub` exactly
 * (else AADSTS700213); the assertion's `aud` (a string, or any element of an array) is one of that
 * credential's audiences (else AADSTS700212); `exp` is present and in the future, `nbf` and `iat`
 * (when present) at most 5 minutes in the future (else AADSTS700024). Unlike certificate
 * assertions there is no 10-minute lifetime bound (platform tokens live an hour or more: an AKS
 * token expiring after one hour is answered AADSTS700024 at Entra, not refused on issue), and no
 * one-time `jti`: the platform's token is read from its file and sent again on every request until
 * it is rotated, as Entra allows.
 */
import { compactVerify } from "jose";
import type { JWSHeaderParameters, JWTPayload } from "jose";
import type { AssertionAuthResult } from "./assertionResult.js";
import type { TenantContext } from "./context.js";
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import type { ParsedFederatedCredential } from "./federatedCredentials.js";
import type { LocalTenantClient } from "./types.js";

const SKEW_SECONDS = 300;

function timeError(payload: JWTPayload, nowMs: number): EntraError | undefined {
  const { exp, nbf, iat } = payload;
  for (const value of [exp, nbf, iat]) {
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value)))
      return aadsts.assertionMalformed("exp, nbf and iat must be numbers");
  }
  const now = nowMs / 1000;
  const outside = (): EntraError =>
    aadsts.assertionTimeRange(
      new Date(nowMs),
      nbf === undefined ? undefined : new Date(nbf * 1000),
      exp === undefined ? undefined : new Date(exp * 1000),
    );
  if (exp === undefined || exp <= now) return outside();
  if (nbf !== undefined && nbf > now + SKEW_SECONDS) return outside();
  if (iat !== undefined && iat > now + SKEW_SECONDS) return outside();
  return undefined;
}

function audiences(aud: JWTPayload["aud"]): string[] {
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((value) => typeof value === "string") : [];
}

export async function authenticateByFederatedAssertion(
  ctx: TenantContext,
  client: Readonly<LocalTenantClient>,
  assertion: string,
  decoded: { header: JWSHeaderParameters; payload: JWTPayload },
  nowMs: number,
): Promise<AssertionAuthResult> {
  const fail = (error: EntraError): AssertionAuthResult => ({ ok: false, error });
  const { header, payload } = decoded;
  const issuer = String(payload.iss);
  const ofIssuer = ctx.clients
    .federatedCredentials(client.clientId)
    .filter((credential) => credential.issuer === issuer);
  if (ofIssuer.length === 0) return fail(aadsts.federatedIssuerMismatch(issuer));

  if (header.alg !== "RS256") {
    return fail(
      aadsts.assertionSignatureInvalid(
        `The signing algorithm '${String(header.alg)}' is not accepted; federated tokens are RS256.`,
        undefined,
      ),
    );
  }
  const kid = typeof header.kid === "string" ? header.kid : undefined;
  const key =
    kid === undefined ? undefined : ofIssuer.map((c) => c.keys.get(kid)).find((k) => k !== undefined);
  if (key === undefined) return fail(aadsts.federatedKeyNotFound(kid ?? "(none)", issuer));
  try {
    await compactVerify(assertion, key, { algorithms: ["RS256"] });
  } catch {
    return fail(
      aadsts.assertionSignatureInvalid(
        "The provided signature value did not match the expected signature value.",
        undefined,
      ),
    );
  }

  const subject = typeof payload.sub === "string" ? payload.sub : "";
  const matching: ParsedFederatedCredential | undefined = ofIssuer.find((c) => c.subject === subject);
  if (matching === undefined) return fail(aadsts.federatedSubjectMismatch(subject));
  const presented = audiences(payload.aud);
  if (!presented.some((audience) => matching.audiences.includes(audience))) {
    return fail(aadsts.federatedAudienceMismatch(presented.join(",")));
  }
  const expired = timeError(payload, nowMs);
  if (expired !== undefined) return fail(expired);
  return { ok: true, client };
}
