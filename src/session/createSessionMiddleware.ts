/**
 * express-session over the chosen store: saved only when modified, never for visitors who have not
 * started a sign-in, with a signed, HttpOnly cookie whose security follows the app's public URL.
 */
import session from "express-session";
import type { RequestHandler } from "express";
import type { Store } from "express-session";
import type { SessionSettings } from "../config/settings.js";
import { SessionStoreError } from "../errors.js";
import type { Logger } from "../logger.js";

export function createSessionMiddleware(
  settings: Pick<SessionSettings, "cookieName" | "secrets" | "secureCookie">,
  store: Store,
  logger: Logger,
): RequestHandler {
  const handler = session({
    store,
    name: settings.cookieName,
    secret: [...settings.secrets],
    resave: false,
    saveUninitialized: false,
    // The cookie is set once, when the session is created (at sign-in), and never again: a request
    // still running when the user signs out must not send the old cookie back (it would even replace
    // the cookie of a newer sign-in). So it is a browser-session cookie with no expiry of its own; the
    // server decides: the store's TTL, extended on each request, is the idle timeout, and the
    // absolute timeout is checked per request (absoluteTimeout.ts).
    rolling: false,
    // "keep": a session that failed to load (req.session unset) must never be deleted from the store.
    unset: "keep",
    cookie: {
      httpOnly: true,
      secure: settings.secureCookie,
      // Lax: the provider's redirect back is a top-level GET from another site, which must carry it.
      sameSite: "lax",
      path: "/",
    },
  });
  return (req, res, next) => {
    let continued = false;
    handler(req, res, (err?: unknown) => {
      if (continued) {
        // express-session calls back a second time when the save as the response ends fails: the
        // request has gone on (and the answer is on its way), so this is for the log only.
        logger.error(
          { requestId: res.locals.requestId, err },
          "the session could not be saved as the response ended",
        );
        return;
      }
      continued = true;
      // A store failure is "try again later" (503), not an unexplained 500.
      if (err) next(new SessionStoreError("The session could not be loaded.", { cause: err }));
      else next();
    });
  };
}
