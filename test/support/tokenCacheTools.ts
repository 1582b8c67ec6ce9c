/**
 * Reaches into a signed-in client's stored token cache the way only a test may: through the app's
 * own cipher, to make the next request refresh (by dropping the access token) or to read the tokens.
 */
import { rewriteSession, readSessionRow, sessionIdFromCookie } from "./sessionRows.js";
import type { TestApp } from "./testApp.js";
import type { TestClient } from "./testClient.js";

type SerializedCache = Record<string, Record<string, { secret: string }>>;

export function sessionIdOf(app: TestApp, client: TestClient): string {
  return sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);
}

export function readStoredCache(app: TestApp, client: TestClient): SerializedCache {
  const stored = readSessionRow(app.sqlitePath, sessionIdOf(app, client))!;
  const home = (stored.account as { homeAccountId: string }).homeAccountId;
  return JSON.parse(app.cipher.open(stored.tokenCache, home)) as SerializedCache;
}

/** Removes the cached access tokens: the next token request must use the refresh token. */
export function dropAccessTokens(app: TestApp, client: TestClient): void {
  rewriteSession(app.sqlitePath, sessionIdOf(app, client), (session) => {
    const home = (session.account as { homeAccountId: string }).homeAccountId;
    const cache = JSON.parse(app.cipher.open(session.tokenCache, home)) as SerializedCache;
    cache.AccessToken = {};
    session.tokenCache = app.cipher.seal(JSON.stringify(cache), home);
  });
}
