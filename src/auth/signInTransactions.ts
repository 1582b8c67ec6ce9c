/**
 * Sign-ins in progress, kept by the browser, never in the session. Two tabs of a fresh browser that
 * start signing in at the same moment would otherwise each create a session, of which the browser
 * keeps only the last cookie; two tabs sharing one session would overwrite each other's entry (the
 * session is saved whole). Here nothing is shared between two sign-ins, so there is no race, and a
 * visitor who only starts a sign-in leaves nothing in the session store.
 *
 * - The `state` sent to the provider is itself the sign-in, encrypted and authenticated (JWE, dir +
 *   A256GCM, keys derived from the session secrets, so rotation works alike): the page to come back
 *   to, extra scopes, a claims request, an expiry of ten minutes, and a random id and proof.
 * - A tiny cookie per sign-in, named after the id and holding the proof (about 50 bytes, so that even
 *   dozens of tabs starting at once stay far below any header limit), binds it to this browser:
 *   HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), `__Host-` on https, so no
 *   sibling subdomain can plant one (no login CSRF). The callback that uses it clears it, so it works
 *   once per browser.
 * - The nonce and the PKCE verifier are derived from the proof with the key (HMAC), so neither travels
 *   anywhere; the provider only ever sees the challenge and the nonce.
 */
import { createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";
import type { Request, Response } from "express";
import { parse as parseCookies } from "cookie";
import { EncryptJWT, jwtDecrypt } from "jose";
import type { CompactJWEHeaderParameters } from "jose";
import { sameString } from "./csrf.js";

export const PENDING_SIGN_IN_LIFETIME_MS = 10 * 60_000;
/** Cookies of sign-ins still in progress that a new start keeps; older ones are cleared. */
export const MAX_PENDING_SIGN_INS = 20;
/** The longest `state` the app ever makes (a returnTo and a claims request at their caps). */
export const MAX_STATE_LENGTH = 4096;
const COOKIE_STEM = "signin.";
const KEY_INFO = "entra-webapp sign-in transaction v2";
const ID = /^[A-Za-z0-9_-]{12}$/;
const PROOF = /^[A-Za-z0-9_-]{22}$/;

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

export type SignInRequest = Pick<PendingSignIn, "returnTo" | "claims" | "extraScopes">;

export interface StartedSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SignInTransactions {
  /** Makes the `state`, nonce and verifier of a new sign-in, and sets its cookie on `res`. */
  begin(req: Request, res: Response, request: SignInRequest): Promise<StartedSignIn>;
  /** The sign-in this browser started with `state`, if it has not expired; its cookie is cleared. */
  take(req: Request, res: Response, state: string): Promise<PendingSignIn | undefined>;
}

export interface SignInTransactionOptions {
  /** The session secrets: the first encrypts, all decrypt. */
  secrets: readonly string[];
  secureCookie: boolean;
  now?: () => number;
}

interface Key {
  kid: string;
  key: Uint8Array;
}

export function createSignInTransactions(options: SignInTransactionOptions): SignInTransactions {
  const now = options.now ?? Date.now;
  const keys: Key[] = options.secrets.map((secret) => {
    const key = new Uint8Array(hkdfSync("sha256", secret, "", KEY_INFO, 32));
    return { kid: createHash("sha256").update(key).digest("base64url").slice(0, 8), key };
  });
  const prefix = `${options.secureCookie ? "__Host-" : ""}${COOKIE_STEM}`;
  const cookieOptions = { httpOnly: true, secure: options.secureCookie, sameSite: "lax", path: "/" } as const;
  const derive = (key: Key, purpose: string, proof: string) =>
    createHmac("sha256", key.key).update(`${purpose}.${proof}`).digest("base64url");

  /** This browser's sign-in cookies: name, issue time (epoch ms) and proof. */
  const sent = (req: Request) =>
    Object.entries(parseCookies(req.headers.cookie ?? "")).flatMap(([name, value]) => {
      if (!name.startsWith(prefix) || typeof value !== "string") return [];
      const [issued = "", proof = ""] = value.split(".");
      return [{ name, issuedAt: parseInt(issued, 36), proof }];
    });

  return {
    async begin(req, res, request) {
      const createdAt = now();
      const issuedAt = Math.floor(createdAt / 1000);
      // Keep the newest sign-ins; forget expired, unreadable and surplus ones.
      const others = sent(req).sort((a, b) => (b.issuedAt || 0) - (a.issuedAt || 0));
      for (const [index, other] of others.entries()) {
        const expired = !(createdAt - other.issuedAt < PENDING_SIGN_IN_LIFETIME_MS);
        if (expired || !PROOF.test(other.proof) || index >= MAX_PENDING_SIGN_INS - 1) {
          res.clearCookie(other.name, cookieOptions);
        }
      }
      const id = randomBytes(9).toString("base64url");
      const proof = randomBytes(16).toString("base64url");
      const key = keys[0]!;
      const state = await new EncryptJWT({
        id,
        proof,
        returnTo: request.returnTo,
        ...(request.claims ? { claims: request.claims } : {}),
        ...(request.extraScopes?.length ? { extraScopes: request.extraScopes } : {}),
      })
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: key.kid })
        .setIssuedAt(issuedAt)
        .setExpirationTime(Math.floor((createdAt + PENDING_SIGN_IN_LIFETIME_MS) / 1000))
        .encrypt(key.key);
      // The inputs are capped (returnTo, claims) so that this cannot happen; checked all the same.
      if (state.length > MAX_STATE_LENGTH) throw new Error("the sign-in state would be too long");
      res.cookie(`${prefix}${id}`, `${createdAt.toString(36)}.${proof}`, {
        ...cookieOptions,
        maxAge: PENDING_SIGN_IN_LIFETIME_MS,
      });
      return { state, nonce: derive(key, "nonce", proof), codeVerifier: derive(key, "pkce", proof) };
    },

    async take(req, res, state) {
      if (state.length > MAX_STATE_LENGTH) return undefined;
      let opened: { payload: Record<string, unknown>; key: Key } | undefined;
      try {
        let used: Key | undefined;
        const { payload } = await jwtDecrypt(
          state,
          (header: CompactJWEHeaderParameters) => {
            used = keys.find((k) => k.kid === header.kid);
            if (!used) throw new Error("unknown key");
            return used.key;
          },
          {
            currentDate: new Date(now()),
            keyManagementAlgorithms: ["dir"],
            contentEncryptionAlgorithms: ["A256GCM"],
          },
        );
        opened = used ? { payload, key: used } : undefined;
      } catch {
        return undefined;
      }
      const { id, proof, returnTo, claims, extraScopes, iat } = opened?.payload ?? {};
      if (typeof id !== "string" || !ID.test(id) || typeof proof !== "string" || !PROOF.test(proof)) {
        return undefined;
      }
      const cookie = sent(req).find((candidate) => candidate.name === `${prefix}${id}`);
      if (!cookie) return undefined;
      res.clearCookie(cookie.name, cookieOptions);
      if (!sameString(cookie.proof, proof) || typeof returnTo !== "string" || typeof iat !== "number") {
        return undefined;
      }
      const scopes =
        Array.isArray(extraScopes) && extraScopes.every((scope) => typeof scope === "string")
          ? { extraScopes }
          : {};
      return {
        nonce: derive(opened!.key, "nonce", proof),
        codeVerifier: derive(opened!.key, "pkce", proof),
        returnTo,
        createdAt: iat * 1000,
        ...(typeof claims === "string" ? { claims } : {}),
        ...scopes,
      };
    },
  };
}
