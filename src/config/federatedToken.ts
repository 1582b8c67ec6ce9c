/**
 * The shape of a workload identity token (AZURE_FEDERATED_TOKEN_FILE): a JWT of three base64url
 * parts whose header and payload are JSON objects, with a numeric `exp`. The signature is not
 * checked here: Entra checks it against the federated credential's issuer. Used at start-up (a
 * problem names the setting) and whenever the platform has replaced the file. Problems never quote
 * the token.
 */

export interface FederatedTokenClaims {
  /** `iss`, `sub` and `aud` as the token states them: what the federated credential must name. */
  readonly issuer: string | undefined;
  readonly subject: string | undefined;
  readonly audience: string | undefined;
  readonly expiresAtMs: number;
}

export type FederatedTokenResult =
  { ok: true; token: string; claims: FederatedTokenClaims } | { ok: false; problem: string };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** `content`: the file as read. A trailing newline is allowed (files written by `echo`). */
export function parseFederatedToken(content: string): FederatedTokenResult {
  const token = content.replace(/\r?\n$/, "");
  const fail = (problem: string): FederatedTokenResult => ({ ok: false, problem });
  if (token.trim() === "") return fail("is empty");
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    return fail("does not hold a JWT (three base64url parts separated by dots)");
  }
  const [headerPart = "", payloadPart = ""] = parts;
  const header = jsonObject(headerPart);
  if (header === undefined) return fail("does not hold a JWT (its header is not a JSON object)");
  const payload = jsonObject(payloadPart);
  if (payload === undefined) return fail("does not hold a JWT (its payload is not a JSON object)");
  const { exp } = payload;
  if (typeof exp !== "number" || !Number.isFinite(exp)) {
    return fail("holds a JWT without a numeric exp claim");
  }
  const aud = Array.isArray(payload.aud) ? text(payload.aud[0]) : text(payload.aud);
  return {
    ok: true,
    token,
    claims: {
      issuer: text(payload.iss),
      subject: text(payload.sub),
      audience: aud,
      expiresAtMs: exp * 1000,
    },
  };
}
