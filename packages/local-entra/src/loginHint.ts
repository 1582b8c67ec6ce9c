/**
 * The ID token's `login_hint` claim, as Entra issues it when the authorize request's `claims` asks for
 * it (msal-node always does): an opaque value that names the account, which an app sends back as the
 * sign-out's `logout_hint` so that no account picker is shown. Entra's is base64 of a small JSON; this
 * one is base64url of `{"oid","tid","upn"}` of the account's home. Apps must treat it as opaque.
 */
export interface LoginHintAccount {
  /** The account's object id in its home tenant. */
  oid: string;
  /** Its home tenant. */
  tid: string;
  upn: string;
}

export function loginHintFor(account: LoginHintAccount): string {
  const { oid, tid, upn } = account;
  return Buffer.from(JSON.stringify({ oid, tid, upn })).toString("base64url");
}

/** The account a `logout_hint` names, or undefined for anything this tenant did not issue. */
export function readLoginHint(hint: string): LoginHintAccount | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(hint)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(hint, "base64url").toString("utf8"));
    if (typeof value !== "object" || value === null) return undefined;
    const { oid, tid, upn } = value as Record<string, unknown>;
    return typeof oid === "string" && typeof tid === "string" && typeof upn === "string"
      ? { oid, tid, upn }
      : undefined;
  } catch {
    return undefined;
  }
}
