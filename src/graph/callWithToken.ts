/**
 * Runs a Graph call with a token from the request's token source, handling what a 401 means:
 * `invalid_token` gets one forced refresh and one retry, then sign-in; a claims challenge
 * (`insufficient_claims`) sends the user through sign-in carrying the claims, once — if the fresh
 * sign-in's tokens are challenged again, the user gets an error page instead of a loop.
 */
import type { TokenSource } from "../auth/createTokenSource.js";
import { GraphError, SignInRequiredError } from "../errors.js";
import { readAccount, recordClaimsChallenge } from "../session/sessionState.js";
import type { AppSession } from "../session/sessionState.js";

/** After a sign-in that answered a claims challenge, a new challenge within this time is not retried. */
const CLAIMS_LOOP_WINDOW_MS = 2 * 60_000;

/** The request's token source and session, and the app's clock (for the claims-loop guard). */
export interface TokenCallContext {
  tokens: TokenSource;
  session: AppSession;
  now: () => number;
}

export async function callWithToken<T>(
  context: TokenCallContext,
  scopes: readonly string[],
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  try {
    return await call(await context.tokens.acquireToken(scopes));
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    if (error.claimsChallenge) return signInForClaims(context, error);
  }
  try {
    return await call(await context.tokens.acquireToken(scopes, { forceRefresh: true }));
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    if (error.claimsChallenge) return signInForClaims(context, error);
    throw new SignInRequiredError("Microsoft Graph refused a freshly refreshed token.", { cause: error });
  }
}

function isUnauthorized(error: unknown): error is GraphError {
  return error instanceof GraphError && error.graphStatus === 401;
}

function signInForClaims({ session, now }: TokenCallContext, error: GraphError): never {
  const answeredAt = readAccount(session)?.claimsAnsweredAt;
  if (answeredAt !== undefined && now() - answeredAt < CLAIMS_LOOP_WINDOW_MS) {
    throw new GraphError(
      502,
      `Microsoft Graph sent a claims challenge again within ${CLAIMS_LOOP_WINDOW_MS / 1000} s of a sign-in that answered one`,
      { graphStatus: 401, cause: error, hiddenText: "graphClaimsLoop" },
    );
  }
  recordClaimsChallenge(session, error.claimsChallenge!);
  throw new SignInRequiredError("Microsoft Graph asks for additional claims.", { cause: error });
}
