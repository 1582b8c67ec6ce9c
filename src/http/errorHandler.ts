/**
 * The one place errors are turned into answers. AppErrors carry words for a person and a status;
 * anything else is a 500 with a generic page. Details and causes go to the log with the request id,
 * never to the page. A SignInRequiredError becomes a redirect through sign-in.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, NotFoundError, SignInRequiredError } from "../errors.js";
import type { Logger } from "../logger.js";
import { redirectToSignIn } from "../auth/requireSignIn.js";

export const notFound: RequestHandler = () => {
  throw new NotFoundError();
};

/** `signInScopes`: asked for at every sign-in, so never named again in a sign-in redirect. */
export function createErrorHandler(logger: Logger, signInScopes: readonly string[]): ErrorRequestHandler {
  const atSignIn = new Set(signInScopes.map((scope) => scope.toLowerCase()));
  return (error: unknown, req, res, _next) => {
    const requestId = res.locals.requestId;
    if (res.headersSent) {
      // E.g. a session save that failed as the response ended: the page is already on its way, and
      // handing the error on would make Express cut the connection under a complete response.
      logger.error({ requestId, err: error }, "error after the response started");
      return;
    }
    if (error instanceof SignInRequiredError) {
      const extraScopes = error.scopes.filter((scope) => !atSignIn.has(scope.toLowerCase()));
      logger.info({ requestId, reason: error.message, extraScopes }, "sign-in required");
      redirectToSignIn(req, res, extraScopes);
      return;
    }
    const appError = error instanceof AppError ? error : undefined;
    const bodyParserStatus = bodyParserErrorStatus(error);
    const status = appError?.status ?? bodyParserStatus ?? 500;
    const log = status >= 500 ? logger.error.bind(logger) : logger.warn.bind(logger);
    log({ requestId, status, err: error }, appError?.title ?? "request failed");
    if (appError?.retryAfterSeconds !== undefined) res.set("Retry-After", String(appError.retryAfterSeconds));
    res.status(status).render("error", {
      title:
        appError?.title ??
        (bodyParserStatus ? "That request could not be understood" : "Something went wrong"),
      message:
        appError?.message ??
        (bodyParserStatus
          ? "The form that was sent is too large or malformed."
          : "An unexpected error happened on our side. Please try again later."),
      status,
    });
  };
}

/** express.urlencoded's errors carry a 4xx `status` and `expose: true`. */
function bodyParserErrorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === "number" && status >= 400 && status < 500 && expose === true ? status : undefined;
}
