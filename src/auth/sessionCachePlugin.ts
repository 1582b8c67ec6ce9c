/**
 * MSAL cache plugin bound to one request's session. Before MSAL reads, it loads the account's
 * serialized cache from the session; after MSAL writes, it puts the cache back only when the bytes
 * differ from what was loaded. MSAL's `cacheHasChanged` means "MSAL wrote", not "the cache differs",
 * so it only decides whether serializing is worth doing; the string comparison decides the write.
 */
import { CorruptTokenCacheError } from "../errors.js";
import type { CachePlugin } from "./createMsalClientFactory.js";
import { MAX_SERIALIZED_CACHE_BYTES } from "./tokenCacheSize.js";

/** Where the serialized cache lives (the request's session, or a sign-in's cache before it has one). */
export interface CacheSlot {
  read(): string | undefined;
  write(serialized: string): void;
}

const CACHE_SECTIONS = ["Account", "IdToken", "AccessToken", "RefreshToken", "AppMetadata"];

/**
 * `homeAccountId`: the account this session belongs to; a cache holding anything of another account
 * is refused (the session's cache must hold only this account's tokens).
 */
export function createSessionCachePlugin(slot: CacheSlot, homeAccountId?: string): CachePlugin {
  let loaded: string | undefined;
  // MSAL calls beforeCacheAccess for each operation; a blob already checked need not be parsed again.
  let checked: string | undefined;
  return {
    beforeCacheAccess: async (context) => {
      const serialized = slot.read();
      loaded = serialized;
      if (serialized === undefined) return;
      if (serialized !== checked) {
        parseTokenCache(serialized, homeAccountId);
        checked = serialized;
      }
      context.tokenCache.deserialize(serialized);
    },
    afterCacheAccess: async (context) => {
      if (!context.cacheHasChanged) return;
      const serialized = context.tokenCache.serialize();
      if (serialized === loaded) return;
      slot.write(serialized);
      loaded = serialized;
    },
  };
}

/**
 * The serialized cache as an object, once it is shown to be a token cache of `homeAccountId` (when
 * given): a string within the size limit, JSON, each section an object of objects, and no entry of
 * another account. Anything else is a CorruptTokenCacheError.
 */
export function parseTokenCache(
  serialized: string,
  homeAccountId: string | undefined,
): Record<string, unknown> {
  if (typeof serialized !== "string") throw new CorruptTokenCacheError("not a string");
  if (serialized.length > MAX_SERIALIZED_CACHE_BYTES) throw new CorruptTokenCacheError("too large");
  let parsed: unknown;
  try {
    parsed = JSON.parse(serialized);
  } catch {
    throw new CorruptTokenCacheError("not JSON");
  }
  if (!isPlainObject(parsed)) throw new CorruptTokenCacheError("not an object");
  for (const section of CACHE_SECTIONS) {
    const entries = parsed[section];
    if (entries === undefined) continue;
    if (!isPlainObject(entries) || !Object.values(entries).every(isPlainObject)) {
      throw new CorruptTokenCacheError(`section ${section} is malformed`);
    }
    if (homeAccountId === undefined || section === "AppMetadata") continue;
    const records = Object.values(entries) as Record<string, unknown>[];
    if (records.some((entry) => entry.home_account_id !== homeAccountId)) {
      throw new CorruptTokenCacheError("it holds another account's entries");
    }
  }
  return parsed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
