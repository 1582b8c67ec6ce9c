/**
 * Security headers (helmet) and no caching of dynamic pages. The CSP allows no inline script; forms
 * may post to this site and be redirected to the authority (Chromium applies `form-action` to the
 * redirect after sign-out). `same-origin` referrers keep the Origin header meaningful on our forms.
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
  });
}

export const noStore: RequestHandler = (_req, res, next) => {
  res.set("Cache-Control", "no-store");
  next();
};
