/**
 * Security headers (helmet) and no caching of dynamic responses, as one policy that every header tells
 * the same way (test/security/headerPolicy.test.ts applies one rule set to every kind of response):
 * - no framing: CSP `frame-ancestors 'none'` and `X-Frame-Options: DENY`, except on the one route
 *   that Entra's sign-out page loads in an iframe (`allowFramingBy`);
 * - https enforced exactly when the site is https: HSTS and `upgrade-insecure-requests` together;
 * - same-origin throughout: referrers, openers and who may load our responses;
 * - nothing dynamic stored by any cache (`noStore`); only /assets/* is public and cacheable.
 * Every value is spelled out rather than left to helmet's defaults, so that a helmet upgrade cannot
 * change the policy unseen.
 */
import helmet from "helmet";
import type { RequestHandler } from "express";

/** One year: long enough that a returning browser never tries plain http first. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

export interface SecurityHeaderOptions {
  formTargets: readonly string[];
  https: boolean;
}

function contentSecurityPolicy(options: SecurityHeaderOptions, frameAncestors: readonly string[]) {
  return {
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
      frameAncestors: [...frameAncestors],
      // The sign-out form posts here and is redirected to the authority's end-session endpoint:
      // Chromium applies form-action to that redirect too.
      formAction: ["'self'", ...new Set(options.formTargets)],
      upgradeInsecureRequests: options.https ? [] : null,
    },
  };
}

/**
 * For a route that one other origin must be able to frame (the authority's sign-out page loading the
 * front-channel sign-out URL): the same policy, with `frame-ancestors` naming that origin only, and no
 * X-Frame-Options (its only values, DENY and SAMEORIGIN, would forbid it; ALLOW-FROM is obsolete).
 * Used after `securityHeaders`, whose headers it replaces.
 */
export function allowFramingBy(origin: string, options: SecurityHeaderOptions): RequestHandler {
  const policy = helmet.contentSecurityPolicy(contentSecurityPolicy(options, [origin]));
  return constantHeaders((req, res, next) => {
    res.removeHeader("X-Frame-Options");
    policy(req, res, next);
  });
}

export function securityHeaders(options: SecurityHeaderOptions): RequestHandler {
  return constantHeaders(helmetPolicy(options));
}

/**
 * The headers a middleware sets when every value is a constant (no CSP nonce, nothing read from the
 * request), worked out once: helmet runs its dozen steps once here, and each response then gets the
 * same headers from a list, without running those steps again (they showed in every page's profile).
 */
export function constantHeaders(policy: RequestHandler): RequestHandler {
  const operations: Array<[name: string, value: string | undefined]> = [];
  let completed = false;
  let failure: unknown;
  const recorder: Record<string, unknown> = {
    setHeader: (name: string, value: unknown) => void operations.push([name, String(value)]),
    removeHeader: (name: string) => void operations.push([name, undefined]),
  };
  // A policy that reads the request or anything else of the response (a CSP nonce, say) is not
  // constant: worked out once, every response would get the same value.
  const only = (what: string, allowed: Record<string, unknown>) =>
    new Proxy(allowed, {
      get: (target, property) => {
        if (typeof property === "string" && Object.hasOwn(target, property)) return target[property];
        throw new Error(`the header policy reads the ${what} (${String(property)})`);
      },
    });
  void policy(only("request", {}) as never, only("response", recorder) as never, (error?: unknown) => {
    failure = error;
    completed = true;
  });
  if (!completed || failure !== undefined)
    throw new Error("the header policy did not complete at once: its headers are not constant", {
      cause: failure,
    });
  return (_req, res, next) => {
    for (const [name, value] of operations) {
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}

function helmetPolicy(options: SecurityHeaderOptions): RequestHandler {
  return helmet({
    contentSecurityPolicy: contentSecurityPolicy(options, ["'none'"]),
    // The same answer as `frame-ancestors 'none'`, for browsers that read only this header.
    xFrameOptions: { action: "deny" },
    // Sent exactly when upgrade-insecure-requests is: an http site (local development on localhost)
    // must never pin https on its host name. A browser ignores HSTS received over plain http, so an
    // https deployment may send it on every response, the proxy's http-to-https redirect included.
    strictTransportSecurity: options.https
      ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true, preload: false }
      : false,
    // No Referer to another site (the authority learns nothing of the page a person came from), while
    // our own form posts keep their Origin header (no-referrer would send "null").
    referrerPolicy: { policy: "same-origin" },
    // Sign-in is a top-level navigation, never a popup: no window of another site needs a handle on
    // ours. No other site may load our responses either (the photo is for our own page only).
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
    // Not sent: the app embeds nothing cross-origin and needs no cross-origin isolation.
    crossOriginEmbedderPolicy: false,
    originAgentCluster: true,
    xContentTypeOptions: true,
    xDnsPrefetchControl: { allow: false },
    xDownloadOptions: true,
    xPermittedCrossDomainPolicies: { permittedPolicies: "none" },
    // `X-XSS-Protection: 0`: the legacy filter is off (it could be abused to blank parts of a page);
    // the CSP is the protection.
    xXssProtection: true,
    xPoweredBy: true,
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
