/**
 * The SSO session: an `ESTSAUTH`-like cookie naming a server-side session.
 *
 * Guarantees: the cookie holds only a random id (HttpOnly; Secure; SameSite=None; Path=/, a
 * browser-session cookie like ESTSAUTH); the account and the tenant it signed in to are kept
 * server-side (single sign-on applies only where the same sign-in would land), with the apps that
 * were issued a code through it (for front-channel logout). Sessions last at most 24 hours and can
 * be ended one by one (logout) or per user (revocation).
 */
import { ExpiringMap } from "./expiringMap.js";
import { newGuid, newOpaqueToken } from "./ids.js";

export const SSO_COOKIE = "ESTSAUTH";
const SSO_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface SsoSession {
  id: string;
  /** The account signed in with (its home oid). */
  oid: string;
  /** The tenant it signed in to: the session gives single sign-on there only. */
  tenantId: string;
  /** Sent back as `session_state` with every code issued in this session. */
  sessionState: string;
  /**
   * The session's id as Entra puts it in ID tokens (`sid`) and sends to front-channel logout URLs:
   * the same for every application signed in through this session.
   */
  sid: string;
  /**
   * The apps (registered client ids) a code was issued to through this session, in order: the
   * apps a sign-out here must sign out by front-channel. Only SsoStore.recordClient adds to it.
   */
  readonly clientIds: ReadonlySet<string>;
  expiresAt: number;
}

type StoredSession = SsoSession & { readonly clientIds: Set<string> };

export class SsoStore {
  readonly #sessions = new ExpiringMap<StoredSession>(50_000);

  create(oid: string, tenantId: string, now: number): SsoSession {
    const session: StoredSession = {
      id: newOpaqueToken(),
      oid,
      tenantId,
      sessionState: newGuid(),
      sid: newGuid(),
      clientIds: new Set(),
      expiresAt: now + SSO_LIFETIME_MS,
    };
    this.#sessions.set(session.id, session, now);
    return session;
  }

  get(id: string | undefined, now: number): SsoSession | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    return session !== undefined && session.expiresAt > now ? session : undefined;
  }

  /** Called where a code is issued through the session (an ended session records nothing). */
  recordClient(id: string, clientId: string): void {
    this.#sessions.get(id)?.clientIds.add(clientId);
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }

  deleteForUser(oid: string | undefined): void {
    for (const [id, session] of [...this.#sessions.entries()]) {
      if (oid === undefined || session.oid === oid) this.#sessions.delete(id);
    }
  }
}

/** Reads one cookie from a Cookie header (no dependency on cookie-parser). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function ssoCookie(id: string): string {
  return `${SSO_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=None`;
}

export function clearedSsoCookie(): string {
  return `${SSO_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}
