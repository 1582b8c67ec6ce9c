/** What our middleware adds to Express's request and response, declared once. */
import type { TokenSource } from "../auth/createTokenSource.js";
import type { SignedInAccount } from "../session/sessionData.js";

declare global {
  namespace Express {
    interface Request {
      /** Set for signed-in users by the token-cache middleware. */
      tokens?: TokenSource;
    }
    interface Locals {
      requestId: string;
      account?: SignedInAccount;
      csrfToken?: string;
      /** The header shows the operator page's link (the account holds ADMIN_ROLE). */
      adminLink?: boolean;
    }
  }
}
