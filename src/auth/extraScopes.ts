/**
 * Scopes a sign-in asks for besides the sign-in scopes (incremental consent). Only scopes a page of
 * this app needs are ever asked for: anything else in a link or in the session store is refused, so
 * nobody can make the app request permissions it does not use.
 */
import type { AuthSettings } from "../config/settings.js";
import { BadRequestError } from "../errors.js";

/** All that decides which extra scopes may be asked for: the pages' own. */
type ConsentSettings = Pick<AuthSettings, "calendarScopes">;

export function consentableScopes(auth: ConsentSettings): string[] {
  return [...auth.calendarScopes];
}

/** The `scopes` parameter of /auth/signin (space-separated): canonical names, no duplicates. */
export function parseExtraScopes(raw: string | undefined, auth: ConsentSettings): string[] {
  if (raw === undefined || raw.trim() === "") return [];
  return canonical(raw.trim().split(/\s+/), auth, () => {
    throw new BadRequestError("The sign-in link asks for a permission this application does not use.");
  });
}

/** What a pending sign-in read back from the store may carry: only consentable scopes survive. */
export function keepConsentableScopes(
  scopes: readonly string[] | undefined,
  auth: ConsentSettings,
): string[] {
  return canonical(scopes ?? [], auth, () => undefined);
}

function canonical(requested: readonly string[], auth: ConsentSettings, onUnknown: () => void): string[] {
  const byLower = new Map(consentableScopes(auth).map((scope) => [scope.toLowerCase(), scope]));
  const kept = new Set<string>();
  for (const scope of requested) {
    const known = byLower.get(scope.toLowerCase());
    if (known === undefined) onUnknown();
    else kept.add(known);
  }
  return [...kept];
}
