/**
 * When the app's public URL is https its cookies are Secure, and express-session silently sets no
 * cookie on a request it does not see as https (nor does a browser send one over http): every sign-in
 * would fail with no trace. This server speaks plain http, so a request is https only when a trusted
 * proxy says so (TRUST_PROXY, X-Forwarded-Proto). Mounted before the session, this refuses any other
 * request loudly: an error page for the person, an error-level log line naming what to fix for the
 * operator. It never redirects to https itself: behind a second proxy that rewrites X-Forwarded-Proto
 * that would loop forever, and sending http to https is the TLS-terminating proxy's job.
 */
import type { RequestHandler } from "express";
import { MisconfiguredProxyError } from "../errors.js";

export function requireSecureTransport(): RequestHandler {
  return (req, _res, next) => {
    if (req.secure) {
      next();
      return;
    }
    const trustsPeer = (req.app.get("trust proxy fn") as (address: string, hop: number) => boolean)(
      req.socket.remoteAddress ?? "",
      0,
    );
    const forwardedProto = req.get("x-forwarded-proto")?.slice(0, 64);
    // The error handler logs this detail (with the request id) at error level; the page stays plain.
    throw new MisconfiguredProxyError(
      `A request reached the app as plain http (X-Forwarded-Proto: ${forwardedProto ?? "none"}) although ` +
        "REDIRECT_URI is https: its session cookie could not be set. " +
        (trustsPeer
          ? "The proxy in front must redirect http to https itself and send X-Forwarded-Proto: https (Express reads the first value, lowercase)."
          : "TRUST_PROXY does not trust the peer that sent it: set TRUST_PROXY to the proxy's hop count or addresses, and make the proxy send X-Forwarded-Proto: https."),
    );
  };
}
