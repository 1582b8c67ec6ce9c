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
import type { ServerResponse } from "node:http";
import type { AccountInfo, ConfidentialClientApplication } from "@azure/msal-node";
import { CorruptTokenCacheError, IdentityProviderError, SignInRequiredError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { AppMetrics } from "../metrics/createMetrics.js";
import type { SignedInAccount } from "../session/sessionData.js";
import { destroySession } from "../session/sessionOps.js";
import { forgetAccount, sessionTokenCache, updateAccountRoles } from "../session/sessionState.js";
import type { AppSession, SessionTokenCache } from "../session/sessionState.js";
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
  /** This request's response: a coalesced call is held until it has ended (its session saved). */
  response: ServerResponse;
  correlationId: string;
  logger: Logger;
  metrics: AppMetrics;
}

/**
 * A class with its state in fields, not a set of closures: it hangs on the request (`req.tokens`),
 * and per-request closures or object literals reachable from the request that also reach the
 * response kept whole requests alive through young-generation collections (measured: a quarter of
 * each page's allocation survived, against 3 % without them).
 */
class SessionTokenSource implements TokenSource {
  private readonly session: AppSession;
  private readonly account: SignedInAccount;
  private readonly clients: MsalClientFactory;
  private readonly now: () => number;
  private readonly inFlight: InFlightCalls;
  private readonly response: ServerResponse;
  private readonly correlationId: string;
  private readonly logger: Logger;
  private readonly metrics: AppMetrics;
  private readonly slot: SessionTokenCache;
  private client: ConfidentialClientApplication | undefined;

  constructor(deps: TokenSourceDeps) {
    this.session = deps.session;
    this.account = deps.account;
    this.clients = deps.clients;
    this.now = deps.now;
    this.inFlight = deps.inFlight;
    this.response = deps.response;
    this.correlationId = deps.correlationId;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.slot = sessionTokenCache(deps.session, deps.account.homeAccountId, {
      cipher: deps.cipher,
      now: deps.now,
    });
  }

  // Requests of one session that arrive together share one silent call (and so one refresh). The
  // request that runs it writes the new cache to the store; the others leave the session unchanged.
  // A warm token needs neither: it is read as it stands, at once.
  async acquireToken(scopes: readonly string[], options: TokenRequestOptions = {}): Promise<string> {
    const forceRefresh = options.forceRefresh === true;
    if (!forceRefresh) {
      let warm;
      try {
        warm = this.warmToken(scopes);
      } catch (error) {
        throw error instanceof CorruptTokenCacheError ? this.discardUnusableCache(error) : error;
      }
      if (warm !== undefined) {
        this.metrics.tokenAcquisition("cache");
        return warm;
      }
    }
    const key = [
      this.session.id,
      this.account.homeAccountId,
      [...scopes].sort().join(" "),
      forceRefresh,
    ].join("|");
    return this.inFlight.run(key, () => this.acquire(scopes, forceRefresh), responseEnded(this.response));
  }

  describeCache(): TokenCacheSummary {
    try {
      const plaintext = this.slot.read();
      return summarizeTokenCache(plaintext ?? "{}");
    } catch (error) {
      if (!(error instanceof CorruptTokenCacheError)) throw error;
      forgetAccount(this.session);
      throw new SignInRequiredError("The saved sign-in could not be read.", { cause: error });
    }
  }

  private clientForThisRequest(): ConfidentialClientApplication {
    this.client ??= this.clients.create(createSessionCachePlugin(this.slot, this.account.homeAccountId));
    return this.client;
  }

  /**
   * The account as MSAL recorded it at sign-in (kept in the session), so that a silent call reads the
   * cache once; MSAL looks the tokens up by its homeAccountId, environment and tenant. Sessions from
   * before `environment` was kept ask the cache instead.
   */
  private async findAccount(msal: ConfidentialClientApplication): Promise<AccountInfo> {
    const { account } = this;
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
  private warmToken(scopes: readonly string[]): string | undefined {
    // Sessions from before `environment` was kept are left to MSAL.
    const { environment } = this.account;
    if (!environment) return undefined;
    const serialized = this.slot.read();
    if (serialized === undefined) return undefined;
    return findCachedAccessToken(parseTokenCache(serialized, this.account.homeAccountId), {
      homeAccountId: this.account.homeAccountId,
      environment,
      tenantId: this.account.tenantId,
      clientId: this.clients.clientId,
      scopes,
      now: this.now(),
    });
  }

  /** An unusable cache is dropped: the account signs in again. */
  private discardUnusableCache(error: CorruptTokenCacheError): SignInRequiredError {
    this.metrics.tokenAcquisition("interaction_required");
    this.logger.warn(
      { correlationId: this.correlationId, reason: error.message },
      "discarding an unusable token cache",
    );
    forgetAccount(this.session);
    return new SignInRequiredError("The saved sign-in could not be read.", { cause: error });
  }

  private async acquire(scopes: readonly string[], forceRefresh: boolean): Promise<string> {
    let result;
    try {
      const msal = this.clientForThisRequest();
      result = await msal.acquireTokenSilent({
        account: await this.findAccount(msal),
        scopes: [...scopes],
        correlationId: this.correlationId,
        forceRefresh,
      });
    } catch (error) {
      if (error instanceof CorruptTokenCacheError) throw this.discardUnusableCache(error);
      const translated = translateMsalError(error);
      if (!(translated instanceof SignInRequiredError)) {
        this.metrics.tokenAcquisition("error");
        throw translated;
      }
      this.metrics.tokenAcquisition("interaction_required");
      // E.g. consent_required for a scope sign-in did not ask for: the new sign-in asks for it.
      throw new SignInRequiredError(translated.message, { cause: error, scopes });
    }
    this.metrics.tokenAcquisition(result.fromCache ? "cache" : "refreshed");
    if (!result.fromCache) await this.assertSameIdentity(result.idTokenClaims);
    if (!result.accessToken)
      throw new IdentityProviderError("The identity provider returned no access token.");
    return result.accessToken;
  }

  private async assertSameIdentity(claims: unknown): Promise<void> {
    const c = (claims ?? {}) as Record<string, unknown>;
    const { account } = this;
    if (c.oid === account.objectId && c.sub === account.subject && c.iss === account.issuer) {
      this.keepRolesCurrent(claims);
      return;
    }
    this.logger.warn(
      { correlationId: this.correlationId },
      "a refresh returned another identity: ending the session",
    );
    await destroySession(this.session);
    throw new SignInRequiredError("The identity provider returned another identity.");
  }

  /**
   * A refresh's ID token says which app roles the account holds now (assigned or removed at Entra
   * since sign-in). A claim of another shape counts as none, as at sign-in. The session changes
   * only when they differ, and is then saved with the new cache, by this request.
   */
  private keepRolesCurrent(claims: unknown): void {
    const read = readRolesClaim(claims);
    if (!read.ok)
      this.logger.warn({ correlationId: this.correlationId, reason: read.reason }, "roles claim ignored");
    if (updateAccountRoles(this.session, read.ok ? read.roles : [])) {
      this.logger.info(
        { correlationId: this.correlationId },
        "the account's app roles changed at a token refresh",
      );
    }
  }
}

export function createTokenSource(deps: TokenSourceDeps): TokenSource {
  return new SessionTokenSource(deps);
}

/** Settles when the response is over, also if it already is (a client that left early). */
function responseEnded(res: ServerResponse): Promise<void> {
  if (res.writableEnded || res.closed) return Promise.resolve();
  return new Promise((resolve) => res.once("close", () => resolve()));
}
