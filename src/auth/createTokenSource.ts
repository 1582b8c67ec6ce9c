/**
 * Gives one request of a signed-in user access tokens from that account's cache in the session.
 * A fresh MSAL client (built on first use) reads and writes the cache through the session plugin;
 * tokens are looked up by the `homeAccountId` stored at sign-in. Anything that needs the user
 * (no account, dead refresh token, consent) becomes a SignInRequiredError, a corrupt cache too.
 */
import type { Session, SessionData } from "express-session";
import type { AccountInfo, ConfidentialClientApplication } from "@azure/msal-node";
import { IdentityProviderError, SignInRequiredError } from "../errors.js";
import type { Logger } from "../logger.js";
import { forgetAccount } from "../session/readAccount.js";
import type { SignedInAccount } from "../session/sessionData.js";
import type { MsalClientFactory } from "./createMsalClientFactory.js";
import type { InFlightCalls } from "./inFlightCalls.js";
import { CorruptTokenCacheError, createSessionCachePlugin } from "./sessionCachePlugin.js";
import { translateMsalError } from "./translateMsalError.js";

export interface TokenSource {
  acquireToken(scopes: readonly string[]): Promise<string>;
}

export function createTokenSource(deps: {
  session: Session & Partial<SessionData>;
  account: SignedInAccount;
  clients: MsalClientFactory;
  inFlight: InFlightCalls;
  /** Settles when this request has ended (its session saved). */
  requestEnded: Promise<unknown>;
  correlationId: string;
  logger: Logger;
}): TokenSource {
  const { session, account, clients, inFlight, requestEnded, correlationId, logger } = deps;
  let client: ConfidentialClientApplication | undefined;

  function clientForThisRequest(): ConfidentialClientApplication {
    client ??= clients.create(
      createSessionCachePlugin({
        read: () => session.tokenCache,
        write: (serialized) => {
          session.tokenCache = serialized;
        },
      }),
    );
    return client;
  }

  async function findAccount(msal: ConfidentialClientApplication): Promise<AccountInfo> {
    const found = await msal.getTokenCache().getAccountByHomeId(account.homeAccountId);
    if (!found) throw new SignInRequiredError("The account is not in the token cache.");
    return found;
  }

  async function acquire(scopes: readonly string[]): Promise<string> {
    const msal = clientForThisRequest();
    try {
      const result = await msal.acquireTokenSilent({
        account: await findAccount(msal),
        scopes: [...scopes],
        correlationId,
      });
      if (!result.accessToken)
        throw new IdentityProviderError("The identity provider returned no access token.");
      return result.accessToken;
    } catch (error) {
      if (error instanceof CorruptTokenCacheError) {
        logger.warn({ correlationId, reason: error.message }, "discarding an unusable token cache");
        forgetAccount(session);
        throw new SignInRequiredError("The saved sign-in could not be read.", { cause: error });
      }
      throw translateMsalError(error);
    }
  }

  return {
    // Requests of one session that arrive together share one silent call (and so one refresh). The
    // request that runs it writes the new cache to the store; the others leave the session unchanged.
    acquireToken: (scopes) =>
      inFlight.run(
        `${session.id}|${account.homeAccountId}|${[...scopes].sort().join(" ")}`,
        () => acquire(scopes),
        requestEnded,
      ),
  };
}
