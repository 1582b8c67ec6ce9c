/**
 * The shape of our session, declared once. Values read back from the store are still checked at run
 * time (see session/readSession.ts): the store's content is outside input.
 */
import "express-session";

export interface SignedInAccount {
  /** MSAL's key for the account (`oid.tid` of the home tenant); never rebuilt from id-token claims. */
  homeAccountId: string;
  name: string;
  username: string;
  tenantId: string;
}

/** One sign-in in progress, keyed by its `state`. */
export interface PendingSignIn {
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  createdAt: number;
}

declare module "express-session" {
  interface SessionData {
    account: SignedInAccount;
    /** This account's MSAL cache, serialized by MSAL. */
    tokenCache: string;
    /** Synchronizer token for state-changing forms. */
    csrfToken: string;
    pendingSignIns: Record<string, PendingSignIn>;
  }
}
