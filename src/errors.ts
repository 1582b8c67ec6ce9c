/**
 * The app's error types. Each carries the HTTP status and a message written for a person; `expose`
 * (status < 500) says whether that message may be shown as is. Library errors are translated into
 * these at the boundary, and one handler (http/errorHandler.ts) renders them.
 */
export class AppError extends Error {
  readonly status: number;
  readonly expose: boolean;
  /** A short title for the error page. */
  readonly title: string;
  /** Sent as `Retry-After` when set. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    title: string,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number | undefined },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.title = title;
    this.expose = status < 500;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Settings are missing or wrong; raised once, at start-up. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid settings:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** A query string or form field is missing, repeated or malformed. */
export class BadRequestError extends AppError {
  constructor(message: string) {
    super(400, "That request could not be understood", message);
  }
}

/** The sign-in could not be completed (denied, expired, replayed or refused by the provider). */
export class SignInFailedError extends AppError {
  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super(options?.status ?? 400, "Sign-in did not complete", message, options);
  }
}

/** A cross-site or forged state-changing request. */
export class ForbiddenRequestError extends AppError {
  constructor(message: string) {
    super(403, "That request was refused", message);
  }
}

/**
 * The token cache cannot give a token without the user (no account, expired refresh token, consent
 * needed). The error handler turns it into a redirect through sign-in, back to the same page.
 */
export class SignInRequiredError extends AppError {
  /** Scopes the new sign-in must ask for besides the sign-in scopes (incremental consent). */
  readonly scopes: readonly string[];

  constructor(reason: string, options?: { cause?: unknown; scopes?: readonly string[] }) {
    super(401, "Please sign in again", reason, options);
    this.scopes = options?.scopes ?? [];
  }
}

/** The identity provider could not be reached or answered something unusable. */
export class IdentityProviderError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(502, "The sign-in service is not answering", message, options);
  }
}

/** The identity provider is throttling or briefly unavailable (429/503). */
export class IdentityProviderBusyError extends AppError {
  constructor(retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(
      503,
      "The sign-in service is busy",
      "The sign-in service is busy right now. Please try again shortly.",
      {
        ...options,
        retryAfterSeconds,
      },
    );
  }
}

export interface GraphErrorOptions {
  graphStatus?: number;
  /** A claims request from a 401 `insufficient_claims` challenge. */
  claimsChallenge?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** Microsoft Graph refused the call, failed, or did not answer in time. */
export class GraphError extends AppError {
  readonly graphStatus: number | undefined;
  readonly claimsChallenge: string | undefined;
  constructor(status: number, message: string, options: GraphErrorOptions = {}) {
    super(status, status === 403 ? "No permission" : "Your profile could not be loaded", message, options);
    this.graphStatus = options.graphStatus;
    this.claimsChallenge = options.claimsChallenge;
  }
}

/** The session store failed or timed out: a short outage, so the answer says when to retry. */
export class SessionStoreError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      503,
      "The service is temporarily unavailable",
      `${message} This is usually brief: please try again in a few seconds. You are still signed in.`,
      { ...options, retryAfterSeconds: 5 },
    );
  }
}

export class NotFoundError extends AppError {
  constructor() {
    super(404, "Page not found", "There is no page at this address.");
  }
}
