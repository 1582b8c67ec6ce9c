/**
 * GET /auth/frontchannel-logout?sid=…[&iss=…]: the *Front-channel logout URL* registered for the app
 * in Entra. When a person signs out at Entra (from this app or any other), Entra's sign-out page loads
 * this URL in a hidden iframe with the `sid` of that Entra session (the ID token's `sid` claim). The
 * browser often sends no cookie to a third-party iframe, so the session is found by the store's index,
 * never by the cookie: every session of this app signed in with that `sid` ends, on every instance.
 *
 * The answer is the same whether or not a session was found (an unknown `sid` learns nothing), is
 * never cached, and is the one response that the authority's sign-out page may frame
 * (securityHeaders.ts). Entra sends no `iss`; when one is sent (the OpenID spec's form), only sessions
 * of that issuer end.
 */
import type { RequestHandler } from "express";
import { BadRequestError } from "../errors.js";
import { optionalParam, requiredParam } from "../http/params.js";
import type { Logger } from "../logger.js";
import type { AccountSessions } from "../session/accountSessions.js";

export const FRONT_CHANNEL_LOGOUT_PATH = "/auth/frontchannel-logout";

/** Entra's sids are GUIDs; other providers' are opaque but short. Visible ASCII only. */
const SID_PATTERN = /^[\x21-\x7e]{1,256}$/;

const SIGNED_OUT_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head><body><p>Signed out.</p></body></html>';

export function createFrontChannelLogout(deps: {
  accountSessions: AccountSessions;
  logger: Logger;
}): RequestHandler {
  return async (req, res) => {
    const sid = requiredParam(req.query, "sid", 256);
    const issuer = optionalParam(req.query, "iss", 512);
    if (!SID_PATTERN.test(sid)) throw new BadRequestError('The parameter "sid" is not a session id.');
    const ended = await deps.accountSessions.endByIdTokenSid(sid, issuer === "" ? undefined : issuer);
    deps.logger.info({ requestId: res.locals.requestId, sessionsEnded: ended }, "front-channel sign-out");
    res.type("html").send(SIGNED_OUT_PAGE);
  };
}
