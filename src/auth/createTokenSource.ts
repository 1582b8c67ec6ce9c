/**
 * Gives one request of a signed-in user access tokens from that account's cache in the session.
 * A token MSAL would take from the cache as it stands is found without MSAL (cachedAccessToken.ts);
 * otherwise a fresh MSAL client (built on first use) reads and writes the cache through the session plugin,
 * which reaches it through sessionState.ts (opened and sealed there with the app's key ring, each
 * write dated by the app's clock); tokens are looked up by the `homeAccountId` stored at sign-in.
 * Anything that needs the user (no account, dead refresh token, consent) becomes a
 * SignInRequiredError; so does an unusable cache, which is dropped. A refresh whose ID token names
 * another subject or issuer ends the session; one of the same identity brings its app roles up to date.
 */
import type { AccountInfo, ConfidentialClientApplication } from "@azure/msal-node";
import { CorruptTokenCacheError, IdentityProviderError, SignInRequiredError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { AppMetrics } from "../metrics/createMetrics.js";
import type { SignedInAccount } from "../session/sessionData.js";
import { destroySession } from "../session/sessionOps.js";
import { forgetAccount, sessionTokenCache, updateAccountRoles } from "../session/sessionState.js";
import type { AppSession } from "../session/sessionState.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import type { InFlightCalls } from "./inFlightCalls.js";
import { readRolesClaim } from "./appRoles.js";
import { findCachedAccessToken } from "./cachedAccessToken.js";
import { createSessionCachePlugin, parseTokenCache } from "./sessionCachePlugin.js";
import { summarizeTokenCache } from "./summarizeTokenCache.js";
import type { TokenCacheSummary } from "./summarizeTokenCache.js";
import type { TokenCacheCipher } from "./tokenCacheCipher.js";
import { translateMsalError } from "./translateMsalError.js";

export interface TokenRequestOptions {
  /** Skip the cached access token (e.g. Graph rejected it) and redeem the refresh token. */
  forceRefresh?: boolean;
}

export interface TokenSource {
  acquireToken(scopes: readonly string[], options?: TokenRequestOptions): Promise<string>;
  /** What the cache holds (kinds, scopes, expiry, size), for the Session page; never token values. */
  describeCache(): TokenCacheSummary;
}

export interface TokenSourceDeps {
  session: AppSession;
  account: SignedInAccount;
  clients: MsalClientFactory;
  cipher: TokenCacheCipher;
  /** The app's clock: dates each write of the cache, and tells whether a cached token is still good. */
  now: () => number;
  inFlight: InFlightCalls;
  /** Settles when this request has ended (its session saved); asked for only when MSAL is called. */
  requestEnded: () => Promise<unknown>;
  correlationId: string;
  logger: Logger;
  metrics: AppMetrics;
}

export function createTokenSource(deps: TokenSourceDeps): TokenSource {
  const { session, account, clients, cipher, now, inFlight, requestEnded, correlationId, logger, metrics } =
    deps;
  let client: ConfidentialClientApplication | undefined;
  const slot = sessionTokenCache(session, account.homeAccountId, { cipher, now });

  function clientForThisRequest(): ConfidentialClientApplication {
    client ??= clients.create(createSessionCachePlugin(slot, account.homeAccountId));
    return client;
  }

  /**
   * The account as MSAL recorded it at sign-in (kept in the session), so that a silent call reads the
   * cache once; MSAL looks the tokens up by its homeAccountId, environment and tenant. Sessions from
   * before `environment` was kept ask the cache instead.
   */
  async function findAccount(msal: ConfidentialClientApplication): Promise<AccountInfo> {
    if (account.environment) {
      return {
        homeAccountId: account.homeAccountId,
        environment: account.environment,
        tenantId: account.tenantId,
        username: account.username,
        localAccountId: account.objectId,
        name: account.name,
      };
    }
    const found = await msal.getTokenCache().getAccountByHomeId(account.homeAccountId);
    if (!found) throw new SignInRequiredError("The account is not in the token cache.");
    return found;
  }

  /** The token MSAL would take from the cache as it stands, found without MSAL (cachedAccessToken.ts). */
  function warmToken(scopes: readonly string[]): string | undefined {
    // Sessions from before `environment` was kept are left to MSAL.
    const { environment } = account;
    if (!environment) return undefined;
    const serialized = slot.read();
    if (serialized === undefined) return undefined;
    return findCachedAccessToken(parseTokenCache(serialized, account.homeAccountId), {
      homeAccountId: account.homeAccountId,
      environment,
      tenantId: account.tenantId,
      clientId: clients.clientId,
      scopes,
      now: now(),
    });
  }

  /** An unusable cache is dropped: the account signs in again. */
  function discardUnusableCache(error: CorruptTokenCacheError): SignInRequiredError {
    metrics.tokenAcquisition("interaction_required");
    logger.warn({ correlationId, reason: error.message }, "discarding an unusable token cache");
    forgetAccount(session);
    return new SignInRequiredError("The saved sign-in could not be read.", { cause: error });
  }

  async function acquire(scopes: readonly string[], forceRefresh: boolean): Promise<string> {
    let result;
    try {
      const msal = clientForThisRequest();
      result = await msal.acquireTokenSilent({
        account: await findAccount(msal),
        scopes: [...scopes],
        correlationId,
        forceRefresh,
      });
    } catch (error) {
      if (error instanceof CorruptTokenCacheError) throw discardUnusableCache(error);
      const translated = translateMsalError(error);
      if (!(translated instanceof SignInRequiredError)) {
        metrics.tokenAcquisition("error");
        throw translated;
      }
      metrics.tokenAcquisition("interaction_required");
      // E.g. consent_required for a scope sign-in did not ask for: the new sign-in asks for it.
      throw new SignInRequiredError(translated.message, { cause: error, scopes });
    }
    metrics.tokenAcquisition(result.fromCache ? "cache" : "refreshed");
    if (!result.fromCache) await assertSameIdentity(result.idTokenClaims);
    if (!result.accessToken)
      throw new IdentityProviderError("The identity provider returned no access token.");
    return result.accessToken;
  }

  async function assertSameIdentity(claims: unknown): Promise<void> {
    const c = (claims ?? {}) as Record<string, unknown>;
    if (c.oid === account.objectId && c.sub === account.subject && c.iss === account.issuer) {
      keepRolesCurrent(claims);
      return;
    }
    logger.warn({ correlationId }, "a refresh returned another identity: ending the session");
    await destroySession(session);
    throw new SignInRequiredError("The identity provider returned another identity.");
  }

  /**
   * A refresh's ID token says which app roles the account holds now (assigned or removed at Entra
   * since sign-in). A claim of another shape counts as none, as at sign-in. The session changes
   * only when they differ, and is then saved with the new cache, by this request.
   */
  function keepRolesCurrent(claims: unknown): void {
    const read = readRolesClaim(claims);
    if (!read.ok) logger.warn({ correlationId, reason: read.reason }, "roles claim ignored");
    if (updateAccountRoles(session, read.ok ? read.roles : [])) {
      logger.info({ correlationId }, "the account's app roles changed at a token refresh");
    }
  }

  return {
    // Requests of one session that arrive together share one silent call (and so one refresh). The
    // request that runs it writes the new cache to the store; the others leave the session unchanged.
    // A warm token needs neither: it is read as it stands, at once.
    acquireToken: async (scopes, options = {}) => {
      const forceRefresh = options.forceRefresh === true;
      if (!forceRefresh) {
        let warm;
        try {
          warm = warmToken(scopes);
        } catch (error) {
          throw error instanceof CorruptTokenCacheError ? discardUnusableCache(error) : error;
        }
        if (warm !== undefined) {
          metrics.tokenAcquisition("cache");
          return warm;
        }
      }
      const key = [session.id, account.homeAccountId, [...scopes].sort().join(" "), forceRefresh].join("|");
      return inFlight.run(key, () => acquire(scopes, forceRefresh), requestEnded());
    },
    describeCache: () => {
      try {
        const plaintext = slot.read();
        return summarizeTokenCache(plaintext ?? "{}");
      } catch (error) {
        if (!(error instanceof CorruptTokenCacheError)) throw error;
        forgetAccount(session);
        throw new SignInRequiredError("The saved sign-in could not be read.", { cause: error });
      }
    },
  };
}
