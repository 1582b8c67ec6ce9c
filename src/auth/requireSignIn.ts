/** Pages that need a signed-in user send everyone else through sign-in and back to the same page. */
import type { Request, RequestHandler, Response } from "express";

export function signInUrl(returnTo: string): string {
  return `/auth/signin?${new URLSearchParams({ returnTo }).toString()}`;
}

export function redirectToSignIn(req: Request, res: Response): void {
  res.redirect(303, signInUrl(req.method === "GET" ? req.originalUrl : "/"));
}

export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.tokens && res.locals.account) next();
  else redirectToSignIn(req, res);
};
