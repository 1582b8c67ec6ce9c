/**
 * Entra's `claims` request parameter (OIDC Core §5.5), on /authorize and /token.
 *
 * Guarantees: the value must be a JSON object (else invalid_request AADSTS9002313, "The 'claims'
 * parameter is not a valid JSON object"); members other than `access_token` and `id_token`, and
 * claims this stand-in does not act on, are accepted and ignored — msal-node 7 sends
 * `{"id_token":{"signin_state":…,"login_hint":…,"tenant_region_sub_scope":…}}` on every request.
 * Three things are acted on:
 * - the ID token's optional `login_hint` claim: `id_token.login_hint` present (null or an object, as
 *   OIDC Core §5.5 allows) → the ID token carries `login_hint` (see loginHint.ts), as Entra's does;
 * - client capabilities: `access_token.xms_cc.values` containing "CP1" (case-insensitive; MSAL's
 *   `clientCapabilities: ["CP1"]`) → access tokens carry `xms_cc: ["CP1"]`;
 * - a claims challenge answer: `access_token.nbf` with a numeric `value` (string or number, epoch
 *   seconds — what Graph's CAE challenge asks for) → that request's access token carries
 *   `lt_cae_nbf` = the value (a stand-in claim; real Entra has none). Graph's claims-challenge fault
 *   accepts exactly the tokens whose `lt_cae_nbf` >= the challenge's nbf.
 */
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";

/** The stand-in claim of an access token issued answering a claims challenge (epoch seconds). */
export const CAE_ANSWER_CLAIM = "lt_cae_nbf";

export interface ClaimsRequest {
  /** The client declared the CP1 capability (xms_cc). */
  cp1: boolean;
  /** `access_token.nbf.value` of a claims challenge being answered, epoch seconds. */
  accessTokenNbf: number | undefined;
  /** `id_token.login_hint` was asked for. */
  idTokenLoginHint: boolean;
}

export const NO_CLAIMS: ClaimsRequest = Object.freeze({
  cp1: false,
  accessTokenNbf: undefined,
  idTokenLoginHint: false,
});

export type ClaimsResult = { ok: true; claims: ClaimsRequest } | { ok: false; error: EntraError };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function declaresCp1(accessToken: Record<string, unknown>): boolean {
  const xmsCc = accessToken.xms_cc;
  if (!isObject(xmsCc)) return false;
  const values = Array.isArray(xmsCc.values) ? (xmsCc.values as unknown[]) : [xmsCc.value];
  return values.some((value) => typeof value === "string" && value.toUpperCase() === "CP1");
}

function nbfValue(accessToken: Record<string, unknown>): number | undefined {
  const nbf = accessToken.nbf;
  if (!isObject(nbf)) return undefined;
  const value = nbf.value;
  const seconds =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d{1,12}$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(seconds) ? seconds : undefined;
}

export function parseClaimsParameter(raw: string | undefined): ClaimsResult {
  if (raw === undefined) return { ok: true, claims: NO_CLAIMS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, error: aadsts.invalidClaims() };
  }
  if (!isObject(parsed)) return { ok: false, error: aadsts.invalidClaims() };
  const accessToken = parsed.access_token;
  if (accessToken !== undefined && accessToken !== null && !isObject(accessToken)) {
    return { ok: false, error: aadsts.invalidClaims() };
  }
  const idToken = parsed.id_token;
  const idTokenLoginHint = isObject(idToken) && "login_hint" in idToken;
  if (!isObject(accessToken)) return { ok: true, claims: { ...NO_CLAIMS, idTokenLoginHint } };
  return {
    ok: true,
    claims: { cp1: declaresCp1(accessToken), accessTokenNbf: nbfValue(accessToken), idTokenLoginHint },
  };
}

/** Claims of the authorize request behind a code, combined with those sent when redeeming it. */
export function mergeClaims(a: ClaimsRequest, b: ClaimsRequest): ClaimsRequest {
  const nbfs = [a.accessTokenNbf, b.accessTokenNbf].filter((n) => n !== undefined);
  return {
    cp1: a.cp1 || b.cp1,
    accessTokenNbf: nbfs.length === 0 ? undefined : Math.max(...nbfs),
    idTokenLoginHint: a.idTokenLoginHint || b.idTokenLoginHint,
  };
}
