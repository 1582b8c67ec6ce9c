/** Pages that need a signed-in user send everyone else through sign-in and back to the same page. */
import type { Request, RequestHandler, Response } from "express";

/** `scopes`: what the page needs beyond the sign-in scopes (startSignIn accepts only configured ones). */
export function signInUrl(returnTo: string, scopes: readonly string[] = []): string {
  const query = new URLSearchParams({ returnTo });
  if (scopes.length > 0) query.set("scopes", scopes.join(" "));
  return `/auth/signin?${query.toString()}`;
}

export function redirectToSignIn(req: Request, res: Response, scopes: readonly string[] = []): void {
  res.redirect(303, signInUrl(req.method === "GET" ? req.originalUrl : "/", scopes));
}

export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.tokens && res.locals.account) next();
  else redirectToSignIn(req, res);
};
