/**
 * The shape of our session, declared once. Only sessionState.ts reads and writes these fields, and it
 * checks what it reads back from the store at run time: the store's content is outside input.
 */
import "express-session";

export interface SignedInAccount {
  /** MSAL's key for the account (`oid.tid` of the home tenant); never rebuilt from id-token claims. */
  homeAccountId: string;
  name: string;
  username: string;
  tenantId: string;
  /** The authority host MSAL recorded for the account (with homeAccountId and tenantId, its cache key). */
  environment?: string;
  /** The ID token's `oid`, `sub` and `iss` at sign-in: a refresh that returns others ends the session. */
  objectId: string;
  subject: string;
  issuer: string;
  /** The ID token's `sid` (Entra's session), when it had one: the session index finds it by this. */
  idTokenSid?: string;
  /** The ID token's `login_hint`, sent back as `logout_hint` so that Entra's sign-out asks nothing. */
  logoutHint?: string;
  /**
   * The app roles of the ID token's `roles` claim (auth/appRoles.ts), as of sign-in or the last
   * refresh that brought a new ID token; empty or absent: none.
   */
  roles?: string[];
  /** The browser it signed in from, described in a few words (session/browserDescription.ts). */
  browser?: string;
  /** Epoch ms; the absolute session timeout counts from here. */
  signedInAt: number;
  /** Epoch ms of a sign-in that answered a claims challenge (guards against challenge loops). */
  claimsAnsweredAt?: number;
}

declare module "express-session" {
  interface SessionData {
    account: SignedInAccount;
    /** This account's MSAL cache, serialized by MSAL and sealed by the token-cache cipher. */
    tokenCache: string;
    /** Epoch ms of the last write of `tokenCache` (shown on the Session page). */
    tokenCacheWrittenAt: number;
    /** Synchronizer token for state-changing forms. */
    csrfToken: string;
    /** A claims challenge from Graph, carried into the next sign-in (JSON, as Graph sent it). */
    pendingClaims: string;
    /**
     * Added by the session store to what it loads, never stored: a session that carries it can only
     * be updated while it still exists, so a late request cannot bring a destroyed one back.
     */
    persisted?: true;
  }
}
