/**
 * When the app's public URL is https its cookies are Secure, and express-session silently sets no
 * cookie on a request it does not see as https (nor does a browser send one over http): every sign-in
 * would fail with no trace. This server speaks plain http, so a request is https only when a trusted
 * proxy says so (TRUST_PROXY, X-Forwarded-Proto). Mounted before the session, it makes the failure
 * impossible to miss:
 * - a visitor who came over http through a trusted proxy (it says `X-Forwarded-Proto: http`) is sent to
 *   the same path on the configured https origin (settings, never the Host header, decide where);
 * - anything else (no or an untrusted X-Forwarded-Proto: the proxy or TRUST_PROXY is wrong) is an
 *   error logged with the settings to fix, and an error page: never a sign-in that silently fails.
 */
import type { RequestHandler } from "express";
import { BadRequestError, MisconfiguredProxyError } from "../errors.js";

export interface SecureTransportOptions {
  /** True when the app's public URL (REDIRECT_URI) is https, so cookies are Secure. */
  secureCookie: boolean;
  /** The public origin, e.g. `https://app.example`, from the settings. */
  publicOrigin: string;
}

export function requireSecureTransport(options: SecureTransportOptions): RequestHandler {
  const { secureCookie, publicOrigin } = options;
  return (req, res, next) => {
    if (!secureCookie || req.secure) {
      next();
      return;
    }
    const trustsPeer = (req.app.get("trust proxy fn") as (address: string, hop: number) => boolean)(
      req.socket.remoteAddress ?? "",
      0,
    );
    const forwardedProto = req.get("x-forwarded-proto")?.split(",", 1)[0]?.trim().toLowerCase().slice(0, 32);
    if (trustsPeer && forwardedProto === "http") {
      // A form sent over http is not replayed over https: its body would travel twice in clear.
      if (req.method !== "GET" && req.method !== "HEAD") {
        throw new BadRequestError("This site works over https only. Open it again with https:// and retry.");
      }
      // Only the path and query are kept (an absolute-form request target names no path of ours).
      const path = req.originalUrl.startsWith("/") ? req.originalUrl : "/";
      res.redirect(308, `${publicOrigin}${path}`);
      return;
    }
    // The error handler logs this detail (with the request id) at error level; the page stays plain.
    throw new MisconfiguredProxyError(
      `A request reached the app as plain http (X-Forwarded-Proto: ${forwardedProto ?? "none"}) although ` +
        "REDIRECT_URI is https: its session cookie could not be set. " +
        (trustsPeer
          ? "The proxy must send X-Forwarded-Proto: https."
          : "TRUST_PROXY does not trust the peer that sent it: set TRUST_PROXY to the proxy's hop count or addresses, and make the proxy send X-Forwarded-Proto: https."),
    );
  };
}
