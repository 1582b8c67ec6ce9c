/**
 * Protects state-changing forms of a signed-in user: a synchronizer token kept in the session and
 * echoed in the form, compared in constant time, plus Fetch Metadata (a browser that says the request
 * is cross-site is refused even before the token is looked at).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { ForbiddenRequestError } from "../errors.js";
import { optionalParam } from "../http/params.js";
import { readCsrfToken } from "../session/sessionState.js";

export const CSRF_FIELD = "_csrf";

export function newCsrfToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The browser says the request comes from another origin (Fetch Metadata); old browsers say nothing. */
export function isCrossSite(req: Request): boolean {
  const site = req.get("sec-fetch-site");
  return site !== undefined && site !== "same-origin" && site !== "none";
}

export const requireCsrfToken: RequestHandler = (req, _res, next) => {
  if (isCrossSite(req)) throw new ForbiddenRequestError("This form was sent from another site.");
  const expected = readCsrfToken(req.session);
  const sent = optionalParam(req.body, CSRF_FIELD, 128);
  if (expected === undefined || sent === undefined || !sameString(expected, sent)) {
    throw new ForbiddenRequestError("This form has expired. Go back, reload the page and try again.");
  }
  next();
};

/** Equal strings, compared in constant time (secrets a client echoes: tokens, proofs). */
export function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
