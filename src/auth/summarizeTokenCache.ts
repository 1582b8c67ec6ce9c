/**
 * What the Session page may show about a serialized MSAL cache: which kinds of tokens it holds, their
 * scopes and expiry, and its size — never a token value (the `secret` fields are not read).
 */
export interface CachedTokenSummary {
  kind: "Access token" | "Refresh token" | "ID token";
  scopes: string[];
  expiresAt: Date | undefined;
}

export interface TokenCacheSummary {
  accounts: number;
  tokens: CachedTokenSummary[];
  serializedBytes: number;
}

const KINDS = [
  ["AccessToken", "Access token"],
  ["RefreshToken", "Refresh token"],
  ["IdToken", "ID token"],
] as const;

export function summarizeTokenCache(serialized: string): TokenCacheSummary {
  const cache = JSON.parse(serialized) as Record<string, Record<string, Record<string, unknown>> | undefined>;
  const tokens: CachedTokenSummary[] = [];
  for (const [section, kind] of KINDS) {
    for (const entry of Object.values(cache[section] ?? {})) {
      const target = typeof entry.target === "string" ? entry.target : "";
      const expiresOn = Number(entry.expires_on);
      tokens.push({
        kind,
        scopes: target.split(" ").filter((s) => s.length > 0),
        expiresAt: Number.isFinite(expiresOn) && expiresOn > 0 ? new Date(expiresOn * 1000) : undefined,
      });
    }
  }
  return {
    accounts: Object.keys(cache.Account ?? {}).length,
    tokens,
    serializedBytes: Buffer.byteLength(serialized, "utf8"),
  };
}
