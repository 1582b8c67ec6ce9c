/**
 * Security headers (helmet) and no caching of dynamic responses, as one policy: no framing at all
 * (CSP `frame-ancestors 'none'` and `X-Frame-Options: DENY`), https enforced exactly when the site is
 * https (HSTS and `upgrade-insecure-requests` together). The CSP allows no inline script; forms may
 * post to this site and be redirected to the authority (Chromium applies `form-action` to the redirect
 * after sign-out). `same-origin` referrers keep the Origin header meaningful on our forms.
 */
import helmet from "helmet";
import type { RequestHandler } from "express";

export function securityHeaders(options: { authorityOrigin: string; https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'", options.authorityOrigin],
        upgradeInsecureRequests: options.https ? [] : null,
      },
    },
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: options.https,
    // The same policy as `frame-ancestors 'none'`, for browsers that read only this header.
    xFrameOptions: { action: "deny" },
  });
}

/**
 * Every response after the static assets: pages name the signed-in user, the photo is theirs, and
 * probes and metrics describe this moment. None may be reused from a cache (a browser shared by two
 * people, a proxy). Only /assets/* (the same for everyone) is cacheable.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set("Cache-Control", "no-store");
  next();
};
