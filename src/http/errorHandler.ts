/**
 * The one place errors are turned into answers. Every error is logged with the request id and its
 * operator detail (message and causes). What the page says depends on `expose`: an exposed AppError
 * (4xx) shows its message, a hidden one (5xx) the fixed sentence its class names, and anything that is
 * not an AppError a fixed text, so no detail of a fault on our side reaches the page. The page always
 * carries the request id, the reference that finds the log line. A SignInRequiredError becomes a
 * redirect through sign-in.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, HIDDEN_ERROR_TEXT, NotFoundError, SignInRequiredError } from "../errors.js";
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
    const page = describeForPage(error);
    const log = page.status >= 500 ? logger.error.bind(logger) : logger.warn.bind(logger);
    log(
      { requestId, status: page.status, err: error },
      error instanceof AppError ? error.title : "request failed",
    );
    // An error can happen before the app-wide no-store ran (e.g. in express.static): said here too.
    res.set("Cache-Control", "no-store");
    if (error instanceof AppError && error.retryAfterSeconds !== undefined) {
      res.set("Retry-After", String(error.retryAfterSeconds));
    }
    res.status(page.status).render("error", page);
  };
}

function describeForPage(error: unknown): { status: number; title: string; message: string } {
  if (error instanceof AppError) {
    const { status, title } = error;
    return { status, title, message: error.expose ? error.message : HIDDEN_ERROR_TEXT[error.hiddenText] };
  }
  // Not ours: whatever its message says was not written for the page.
  const bodyParserStatus = bodyParserErrorStatus(error);
  if (bodyParserStatus !== undefined) {
    return {
      status: bodyParserStatus,
      title: "That request could not be understood",
      message: "The form that was sent is too large or malformed.",
    };
  }
  return { status: 500, title: "Something went wrong", message: HIDDEN_ERROR_TEXT.unexpected };
}

/** express.urlencoded's errors carry a 4xx `status` and `expose: true`. */
function bodyParserErrorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === "number" && status >= 400 && status < 500 && expose === true ? status : undefined;
}
