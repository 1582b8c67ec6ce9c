/**
 * A warm request's access token without MSAL: when the account's serialized cache holds one access
 * token that msal-node's acquireTokenSilent would return from the cache as it stands, that token;
 * anything else is left to MSAL (undefined). Building a client and running MSAL's silent flow is most
 * of what the token path costs (bench/README.md), and a warm request needs none of it.
 *
 * Guarantees: it never answers what MSAL would not. It takes the token only when exactly one access
 * token of the account and client, in any environment or tenant, covers the requested scopes, and
 * that one is exactly MSAL's match: same account, environment, tenant and client, a plain Bearer
 * token (no key id, resource, user assertion or extra cache key), a cache key naming them as MSAL
 * looks them up, and MSAL's time rules (cached_at not in the future, expires_on at least
 * TOKEN_RENEWAL_OFFSET_SECONDS ahead, refresh_on not reached). It changes nothing. test/auth/
 * cachedAccessToken.test.ts holds it against msal-node on a table of caches.
 */
import { TOKEN_RENEWAL_OFFSET_SECONDS } from "./createMsalClientFactory.js";

export interface CachedAccessTokenQuery {
  homeAccountId: string;
  environment: string;
  tenantId: string;
  clientId: string;
  scopes: readonly string[];
  /** Epoch milliseconds. */
  now: number;
}

/** The scopes MSAL leaves out of a cache lookup when others are requested (msal-common OIDC_SCOPES). */
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);
const DIGITS = /^\d{1,15}$/;

type CacheEntry = Record<string, unknown>;

/** `cache`: the parsed cache, already checked to be the account's (sessionCachePlugin.ts). */
export function findCachedAccessToken(
  cache: Record<string, unknown>,
  query: CachedAccessTokenQuery,
): string | undefined {
  // As MSAL: the OIDC scopes are left out by their exact spelling; any other spelling of one is left
  // to MSAL.
  const requested = query.scopes.map((scope) => scope.trim()).filter((scope) => scope.length > 0);
  const searchScopes = requested
    .filter((scope) => !OIDC_SCOPES.has(scope))
    .map((scope) => scope.toLowerCase());
  if (searchScopes.length === 0 || searchScopes.some((scope) => OIDC_SCOPES.has(scope))) return undefined;
  const section = cache.AccessToken;
  if (typeof section !== "object" || section === null) return undefined;

  const home = query.homeAccountId.toLowerCase();
  const client = query.clientId.toLowerCase();
  const candidates: [string, CacheEntry][] = [];
  for (const [key, entry] of Object.entries(section as Record<string, CacheEntry>)) {
    const { home_account_id: entryHome, client_id: entryClient, target } = entry;
    if (typeof entryHome !== "string" || typeof entryClient !== "string" || typeof target !== "string")
      return undefined;
    if (entryHome.toLowerCase() !== home || entryClient.toLowerCase() !== client) continue;
    const held = new Set(target.toLowerCase().split(" "));
    if (searchScopes.every((scope) => held.has(scope))) candidates.push([key, entry]);
  }
  const [match, ...others] = candidates;
  if (!match || others.length > 0) return undefined;
  const [key, entry] = match;
  return isMsalsWarmMatch(key, entry, query, searchScopes) ? (entry.secret as string) : undefined;
}

function isMsalsWarmMatch(
  key: string,
  entry: CacheEntry,
  query: CachedAccessTokenQuery,
  searchScopes: readonly string[],
): boolean {
  const exact =
    entry.credential_type === "AccessToken" &&
    entry.home_account_id === query.homeAccountId &&
    entry.environment === query.environment &&
    entry.realm === query.tenantId &&
    entry.client_id === query.clientId &&
    typeof entry.secret === "string" &&
    entry.secret.length > 0 &&
    (entry.token_type === undefined || entry.token_type === "Bearer") &&
    entry.key_id === undefined &&
    entry.resource === undefined &&
    entry.userAssertionHash === undefined &&
    entry.additionalCacheKeyComponents === undefined;
  if (!exact) return false;
  const lowerKey = key.toLowerCase();
  const named = [query.homeAccountId, query.environment, query.tenantId, query.clientId, ...searchScopes];
  if (!named.every((part) => lowerKey.includes(part.toLowerCase()))) return false;

  const { cached_at: cachedAt, expires_on: expiresOn, refresh_on: refreshOn } = entry;
  if (typeof cachedAt !== "string" || !DIGITS.test(cachedAt)) return false;
  if (typeof expiresOn !== "string" || !DIGITS.test(expiresOn)) return false;
  if (refreshOn !== undefined && (typeof refreshOn !== "string" || !DIGITS.test(refreshOn))) return false;
  // MSAL's clock: whole seconds, rounded.
  const nowSeconds = Math.round(query.now / 1000);
  return (
    Number(cachedAt) <= nowSeconds &&
    nowSeconds + TOKEN_RENEWAL_OFFSET_SECONDS <= Number(expiresOn) &&
    (refreshOn === undefined || nowSeconds < Number(refreshOn))
  );
}
