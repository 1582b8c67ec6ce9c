/**
 * Sign-ins in progress, each in a cookie of its own named after its `state`, not in the session.
 * Two tabs of a fresh browser that start signing in at the same moment would otherwise each create a
 * session, and the browser keeps only the last cookie; two tabs sharing one session would overwrite
 * each other's entry (the session is saved whole). A cookie per sign-in has no such race, and a
 * visitor who only starts a sign-in leaves nothing in the session store.
 *
 * The cookie is encrypted and authenticated (JWE, dir + A256GCM, keys derived from the session
 * secrets, so rotation works alike), bound to its `state`, lives ten minutes, is HttpOnly, SameSite=Lax
 * (the provider's redirect back is a top-level GET) and `__Host-` on https (no sibling subdomain can
 * plant one: no login CSRF). It is cleared by the answer that uses it, so a callback works once per
 * browser; at most a few are kept (the oldest are cleared).
 */
import { createHash, hkdfSync } from "node:crypto";
import type { Request, Response } from "express";
import { parse as parseCookies } from "cookie";
import { EncryptJWT, jwtDecrypt } from "jose";
import type { CompactJWEHeaderParameters } from "jose";

export const PENDING_SIGN_IN_LIFETIME_MS = 10 * 60_000;
export const MAX_PENDING_SIGN_INS = 5;
const COOKIE_STEM = "signin.";
const KEY_INFO = "entra-webapp sign-in transaction v1";
/** Browsers keep a cookie whose name and value are at most 4096 bytes; the name takes at most 36. */
const MAX_COOKIE_VALUE_LENGTH = 4050;

/** One sign-in in progress, as started by /auth/signin and redeemed by /auth/redirect. */
export interface PendingSignIn {
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** Epoch ms. */
  createdAt: number;
  /** The claims request sent with this sign-in, if a claims challenge asked for one. */
  claims?: string;
  /** Scopes asked for besides the sign-in scopes (incremental consent); redeemed with the code. */
  extraScopes?: string[];
}

export interface SignInTransactions {
  /** Sets the sign-in's cookie on `res`, and clears expired, unreadable and surplus ones. */
  remember(
    req: Request,
    res: Response,
    state: string,
    pending: Omit<PendingSignIn, "createdAt">,
  ): Promise<void>;
  /** The sign-in this browser started with `state`, if it has not expired; its cookie is cleared. */
  take(req: Request, res: Response, state: string): Promise<PendingSignIn | undefined>;
}

export interface SignInTransactionOptions {
  /** The session secrets: the first encrypts, all decrypt. */
  secrets: readonly string[];
  secureCookie: boolean;
  now?: () => number;
}

export function createSignInTransactions(options: SignInTransactionOptions): SignInTransactions {
  const now = options.now ?? Date.now;
  const keys = options.secrets.map((secret) => {
    const key = new Uint8Array(hkdfSync("sha256", secret, "", KEY_INFO, 32));
    return { kid: createHash("sha256").update(key).digest("base64url").slice(0, 12), key };
  });
  const prefix = `${options.secureCookie ? "__Host-" : ""}${COOKIE_STEM}`;
  const cookieOptions = {
    httpOnly: true,
    secure: options.secureCookie,
    sameSite: "lax",
    path: "/",
  } as const;
  const nameFor = (state: string) =>
    `${prefix}${createHash("sha256").update(state).digest("base64url").slice(0, 22)}`;

  const open = async (value: string, state?: string): Promise<PendingSignIn | undefined> => {
    if (value.length > MAX_COOKIE_VALUE_LENGTH) return undefined;
    try {
      const { payload } = await jwtDecrypt(
        value,
        (header: CompactJWEHeaderParameters) => {
          const match = keys.find((k) => k.kid === header.kid);
          if (!match) throw new Error("unknown key");
          return match.key;
        },
        {
          currentDate: new Date(now()),
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
        },
      );
      if (state !== undefined && payload.jti !== state) return undefined;
      return readPendingSignIn(payload);
    } catch {
      return undefined;
    }
  };

  /** This browser's sign-in cookies, by name. */
  const sent = (req: Request): [string, string][] =>
    Object.entries(parseCookies(req.headers.cookie ?? "")).filter(
      (entry): entry is [string, string] => entry[0].startsWith(prefix) && typeof entry[1] === "string",
    );

  return {
    async remember(req, res, state, pending) {
      const createdAt = now();
      const others = await Promise.all(
        sent(req).map(async ([name, value]) => ({ name, pending: await open(value) })),
      );
      const byAge = others.sort((a, b) => (b.pending?.createdAt ?? -1) - (a.pending?.createdAt ?? -1));
      for (const [index, other] of byAge.entries()) {
        if (!other.pending || index >= MAX_PENDING_SIGN_INS - 1) res.clearCookie(other.name, cookieOptions);
      }
      const issuedAt = Math.floor(createdAt / 1000);
      const value = await new EncryptJWT({ ...pending, createdAt })
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: keys[0]!.kid })
        .setJti(state)
        .setIssuedAt(issuedAt)
        .setExpirationTime(Math.floor((createdAt + PENDING_SIGN_IN_LIFETIME_MS) / 1000))
        .encrypt(keys[0]!.key);
      // Browsers drop a cookie over 4 KB without a word; the inputs are capped so that this cannot happen.
      if (value.length > MAX_COOKIE_VALUE_LENGTH) throw new Error("the sign-in cookie would be too large");
      res.cookie(nameFor(state), value, { ...cookieOptions, maxAge: PENDING_SIGN_IN_LIFETIME_MS });
    },

    async take(req, res, state) {
      const name = nameFor(state);
      const value = sent(req).find(([candidate]) => candidate === name)?.[1];
      if (value === undefined) return undefined;
      res.clearCookie(name, cookieOptions);
      const pending = await open(value, state);
      if (!pending || now() - pending.createdAt >= PENDING_SIGN_IN_LIFETIME_MS) return undefined;
      return pending;
    },
  };
}

/** The cookie's content, though authenticated, is checked like any stored input. */
function readPendingSignIn(payload: Record<string, unknown>): PendingSignIn | undefined {
  const { nonce, codeVerifier, returnTo, createdAt, claims, extraScopes } = payload;
  if (
    typeof nonce !== "string" ||
    typeof codeVerifier !== "string" ||
    typeof returnTo !== "string" ||
    typeof createdAt !== "number" ||
    !Number.isFinite(createdAt)
  ) {
    return undefined;
  }
  const scopes =
    Array.isArray(extraScopes) && extraScopes.every((scope) => typeof scope === "string")
      ? { extraScopes }
      : {};
  return {
    nonce,
    codeVerifier,
    returnTo,
    createdAt,
    ...(typeof claims === "string" ? { claims } : {}),
    ...scopes,
  };
}
