/**
 * Runs a Graph call with a token from the request's token source, handling what a 401 means:
 * `invalid_token` gets one forced refresh and one retry, then sign-in; a claims challenge
 * (`insufficient_claims`) sends the user through sign-in carrying the claims, once — if the fresh
 * sign-in's tokens are challenged again, the user gets an error page instead of a loop.
 */
import type { Session, SessionData } from "express-session";
import type { TokenSource } from "../auth/createTokenSource.js";
import { GraphError, SignInRequiredError } from "../errors.js";

/** After a sign-in that answered a claims challenge, a new challenge within this time is not retried. */
const CLAIMS_LOOP_WINDOW_MS = 2 * 60_000;

export async function callWithToken<T>(
  context: { tokens: TokenSource; session: Session & Partial<SessionData> },
  scopes: readonly string[],
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  try {
    return await call(await context.tokens.acquireToken(scopes));
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    if (error.claimsChallenge) return signInForClaims(context.session, error);
  }
  try {
    return await call(await context.tokens.acquireToken(scopes, { forceRefresh: true }));
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    if (error.claimsChallenge) return signInForClaims(context.session, error);
    throw new SignInRequiredError("Microsoft Graph refused a freshly refreshed token.", { cause: error });
  }
}

function isUnauthorized(error: unknown): error is GraphError {
  return error instanceof GraphError && error.graphStatus === 401;
}

function signInForClaims(session: Session & Partial<SessionData>, error: GraphError): never {
  const answeredAt = session.account?.claimsAnsweredAt;
  if (answeredAt !== undefined && Date.now() - answeredAt < CLAIMS_LOOP_WINDOW_MS) {
    throw new GraphError(
      502,
      `Microsoft Graph sent a claims challenge again within ${CLAIMS_LOOP_WINDOW_MS / 1000} s of a sign-in that answered one`,
      { graphStatus: 401, cause: error, hiddenText: "graphClaimsLoop" },
    );
  }
  session.pendingClaims = error.claimsChallenge!;
  throw new SignInRequiredError("Microsoft Graph asks for additional claims.", { cause: error });
}
