/**
 * Claims challenges (Continuous Access Evaluation, Conditional Access): a resource answers 401 with
 * `WWW-Authenticate: Bearer … error="insufficient_claims", claims="<base64 JSON>"`, and the user
 * must sign in again sending those claims. The challenge is outside input: it is size-capped and must
 * decode to a JSON object before it goes anywhere.
 */
/**
 * Real challenges (CAE `nbf`, Conditional Access `acrs`) are a few hundred bytes; the cap keeps the
 * sign-in's own cookie (signInTransactions.ts), which carries the claims, under a browser's 4 KB.
 */
export const MAX_CLAIMS_LENGTH = 1024;

/** The decoded claims request of a `WWW-Authenticate` header, or undefined if it carries none. */
export function parseClaimsChallenge(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_CLAIMS_LENGTH * 2) return undefined;
  if (!/error="insufficient_claims"/i.test(header)) return undefined;
  const encoded = /claims="([A-Za-z0-9+/=_-]+)"/i.exec(header)?.[1];
  if (!encoded) return undefined;
  return readClaimsRequest(Buffer.from(encoded, "base64").toString("utf8"));
}

/** A claims request as stored in the session: JSON object text of bounded size, or undefined. */
export function readClaimsRequest(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_CLAIMS_LENGTH) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? JSON.stringify(parsed)
      : undefined;
  } catch {
    return undefined;
  }
}
