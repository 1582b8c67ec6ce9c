/**
 * Every error the app throws: one hierarchy under AppError, rendered by one handler
 * (http/errorHandler.ts). An error carries two audiences' words:
 *
 * - `message` is for operators: what failed and why, with URLs, codes and reasons. It is always
 *   logged, with the request id, and a cause's message is logged with it.
 * - `expose` (status < 500) decides what a person reads. An exposed error (4xx: the request, the
 *   sign-in or the account is the problem) shows its `message`, which is then written for people. A
 *   hidden error (5xx: the fault is ours or a service's) shows the fixed sentence its class names
 *   from HIDDEN_ERROR_TEXT instead, never text built from its details.
 *
 * To add an error: subclass AppError with a fixed status, a fixed title and, when it can be a 5xx, a
 * HIDDEN_ERROR_TEXT key (add a sentence there if none fits); then add its rows to
 * test/http/errorExposure.test.ts, whose completeness check fails until you do.
 */

/**
 * Everything a page may say about a hidden error. Keys rather than strings are passed around, so a
 * sentence here can only be chosen, never composed from an error's details.
 */
export const HIDDEN_ERROR_TEXT = Object.freeze({
  unexpected: "An unexpected error happened on our side. Please try again later.",
  signInService:
    "The sign-in service could not be reached or gave an unusable answer. Please try again later.",
  signInServiceBusy: "The sign-in service is busy right now. Please try again shortly.",
  graphFailed: "Microsoft Graph had a problem answering. Please try again later.",
  graphUnreachable: "Microsoft Graph could not be reached. Please try again in a moment.",
  graphUnreadable: "Microsoft Graph sent an answer this app could not read. Please try again later.",
  graphTimeout: "Microsoft Graph did not answer in time. Please try again in a moment.",
  graphBusy: "Microsoft Graph is busy right now. Please try again in a minute.",
  graphRefusedSignIn: "Microsoft Graph did not accept this app's sign-in. Please sign out and in again.",
  graphClaimsLoop:
    "Microsoft Graph still asks for additional verification after you signed in again. Please contact your administrator.",
  sessionStore:
    "Your session could not be reached just now. This is usually brief: please try again in a few seconds. You are still signed in.",
  sessionStoreAtSignIn:
    "Your sign-in could not be saved just now. This is usually brief: please sign in again in a few seconds.",
  dependencyTimeout: "A service this page needs did not answer in time. Please try again in a few seconds.",
  siteMisconfigured:
    "Signing in cannot work on this site right now because of a problem on our side. Please try again later.",
} as const);

export type HiddenErrorText = keyof typeof HIDDEN_ERROR_TEXT;

export interface AppErrorOptions {
  cause?: unknown;
  /** Sent as `Retry-After`. */
  retryAfterSeconds?: number | undefined;
}

interface ErrorPage {
  /** The page's heading: fixed text, shown whether the error is exposed or hidden. */
  title: string;
  /** Shown instead of `message` when the error is hidden (default: `unexpected`). */
  hiddenText?: HiddenErrorText;
}

export abstract class AppError extends Error {
  readonly status: number;
  readonly expose: boolean;
  readonly title: string;
  readonly hiddenText: HiddenErrorText;
  readonly retryAfterSeconds: number | undefined;

  /** `message`: the operator's detail; shown to people only when the status is a 4xx. */
  protected constructor(status: number, message: string, page: ErrorPage, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    // An error page is never a success or a redirect; a status out of range is a bug, kept hidden.
    this.status = Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
    this.expose = this.status < 500;
    this.title = page.title;
    this.hiddenText = page.hiddenText ?? "unexpected";
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

// ---- Exposed: the request, the sign-in or the account is the problem; messages are for people.

/** A query string or form field is missing, repeated or malformed. */
export class BadRequestError extends AppError {
  constructor(message: string) {
    super(400, message, { title: "That request could not be understood" });
  }
}

/** A cross-site or forged state-changing request. */
export class ForbiddenRequestError extends AppError {
  constructor(message: string) {
    super(403, message, { title: "That request was refused" });
  }
}

/** A signed-in account without the app role a page requires (auth/requireRole.ts). */
export class MissingRoleError extends AppError {
  constructor(role: string) {
    super(
      403,
      `This page is only for people with the app role "${role}" in this application. If you need it, ask an administrator to assign it to you, then sign in again.`,
      { title: "You don't have access to this page" },
    );
  }
}

export class NotFoundError extends AppError {
  constructor() {
    super(404, "There is no page at this address.", { title: "Page not found" });
  }
}

/** The sign-in could not be completed (denied, expired, replayed or refused by the provider). */
export class SignInFailedError extends AppError {
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(
      options.status ?? 400,
      message,
      { title: "Sign-in did not complete", hiddenText: "signInService" },
      { cause: options.cause },
    );
  }
}

/**
 * The token cache cannot give a token without the user (no account, expired refresh token, consent
 * needed). The error handler turns it into a redirect through sign-in, back to the same page; its
 * message is only logged.
 */
export class SignInRequiredError extends AppError {
  /** Scopes the new sign-in must ask for besides the sign-in scopes (incremental consent). */
  readonly scopes: readonly string[];

  constructor(reason: string, options: { cause?: unknown; scopes?: readonly string[] } = {}) {
    super(401, reason, { title: "Please sign in again" }, { cause: options.cause });
    this.scopes = options.scopes ?? [];
  }
}

// ---- Hidden: the fault is ours or a service's; messages are for operators.

/** The identity provider could not be reached, refused the app, or answered something unusable. */
export class IdentityProviderError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(
      502,
      message,
      { title: "The sign-in service is not answering", hiddenText: "signInService" },
      options,
    );
  }
}

/** The identity provider is throttling or briefly unavailable (429/503). */
export class IdentityProviderBusyError extends AppError {
  constructor(retryAfterSeconds: number, options: { cause?: unknown } = {}) {
    super(
      503,
      `The identity provider is throttling or unavailable and asks to retry after ${retryAfterSeconds} s.`,
      { title: "The sign-in service is busy", hiddenText: "signInServiceBusy" },
      { cause: options.cause, retryAfterSeconds },
    );
  }
}

export interface GraphErrorOptions extends AppErrorOptions {
  graphStatus?: number;
  /** A claims request from a 401 `insufficient_claims` challenge. */
  claimsChallenge?: string;
  /** What a person reads when hidden; by default chosen by status (busy, timed out, failed). */
  hiddenText?: HiddenErrorText;
}

/**
 * Microsoft Graph refused the call (403, 404: exposed, with words for people), failed, or did not
 * answer in time (5xx: hidden, with the operator's detail).
 */
export class GraphError extends AppError {
  readonly graphStatus: number | undefined;
  readonly claimsChallenge: string | undefined;

  constructor(status: number, message: string, options: GraphErrorOptions = {}) {
    const { graphStatus, claimsChallenge, hiddenText, ...rest } = options;
    super(
      status,
      message,
      {
        title: status === 403 ? "No permission" : "Your profile could not be loaded",
        hiddenText:
          hiddenText ?? (status === 503 ? "graphBusy" : status === 504 ? "graphTimeout" : "graphFailed"),
      },
      rest,
    );
    this.graphStatus = graphStatus;
    this.claimsChallenge = claimsChallenge;
  }
}

/** The session store failed or timed out: a short outage, so the answer says when to retry. */
export class SessionStoreError extends AppError {
  /** `atSignIn`: the store failed while a sign-in was being completed, so nobody is signed in yet. */
  constructor(message: string, options: { cause?: unknown; atSignIn?: boolean } = {}) {
    super(
      503,
      message,
      {
        title: "The service is temporarily unavailable",
        hiddenText: options.atSignIn ? "sessionStoreAtSignIn" : "sessionStore",
      },
      { cause: options.cause, retryAfterSeconds: 5 },
    );
  }
}

/** A call the app bounds (session store, Redis) did not settle within its deadline. */
export class DeadlineExceededError extends AppError {
  constructor(what: string, ms: number) {
    super(504, `${what} did not answer within ${ms} ms`, {
      title: "The service is temporarily unavailable",
      hiddenText: "dependencyTimeout",
    });
  }
}

/**
 * The blob in the session cannot be a token cache. Callers discard it and send the user through
 * sign-in; reaching the error handler as is would be a bug, hence a plain 500.
 */
export class CorruptTokenCacheError extends AppError {
  constructor(reason: string) {
    super(500, `The token cache in the session is unusable: ${reason}`, { title: "Something went wrong" });
  }
}

/**
 * A request reached the app as plain http although its public URL is https (the proxy or TRUST_PROXY
 * is wrong): its session cookie could not be set, so no sign-in could work.
 */
export class MisconfiguredProxyError extends AppError {
  constructor(
    detail = "A request reached the app as plain http although REDIRECT_URI is https (proxy or TRUST_PROXY).",
  ) {
    super(500, detail, { title: "The service is not available", hiddenText: "siteMisconfigured" });
  }
}

// ---- Start-up: raised before `listen`; server.ts prints the message and exits, no page shows it.

export abstract class StartupError extends AppError {
  protected constructor(message: string, options: { cause?: unknown } = {}) {
    super(500, message, { title: "Something went wrong" }, options);
  }
}

/** Settings are missing or wrong: every problem, in one message. */
export class ConfigError extends StartupError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid settings:\n  - ${problems.join("\n  - ")}`);
    this.problems = problems;
  }
}

/** Redis did not answer at start. The URL's password never enters the message. */
export class RedisUnavailableError extends StartupError {
  constructor(url: string, reason: string) {
    super(`Could not connect to Redis at ${redactUrl(url)}: ${reason}`);
  }
}

/**
 * SQLITE_PATH cannot hold the sessions (a directory, a folder that cannot be created, a file that is
 * not a database, read-only). Names the setting, so that the one line printed at start says what to fix.
 */
export class SqliteUnavailableError extends StartupError {
  constructor(path: string, reason: string, options: { cause?: unknown } = {}) {
    super(`SQLITE_PATH (${path}) cannot hold the sessions: ${reason}`, options);
  }
}

/** A URL fit for a log line or a message: its password masked (Redis URLs may carry one). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    return "(an unparseable URL)";
  }
}
