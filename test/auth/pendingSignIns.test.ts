import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Session, SessionData } from "express-session";
import {
  PENDING_SIGN_IN_LIFETIME_MS,
  rememberPendingSignIn,
  takePendingSignIn,
} from "../../src/auth/pendingSignIns.js";

const newSession = () => ({}) as Session & Partial<SessionData>;
const pending = (createdAt: number) => ({ nonce: "n", codeVerifier: "v", returnTo: "/", createdAt });

describe("pending sign-ins", () => {
  it("takePendingSignIn, for a known state, returns it once and forgets it", () => {
    const session = newSession();
    rememberPendingSignIn(session, "s1", pending(1_000));

    const first = takePendingSignIn(session, "s1", 2_000);
    const second = takePendingSignIn(session, "s1", 2_000);

    assert.equal(first?.nonce, "n");
    assert.equal(second, undefined);
    assert.equal(session.pendingSignIns, undefined);
  });

  it("takePendingSignIn, after ten minutes, refuses the sign-in and forgets it", () => {
    const session = newSession();
    rememberPendingSignIn(session, "s1", pending(0));

    const late = takePendingSignIn(session, "s1", PENDING_SIGN_IN_LIFETIME_MS + 1);

    assert.equal(late, undefined);
    assert.equal(session.pendingSignIns, undefined);
  });

  it("takePendingSignIn, for a state that names an Object.prototype member, finds nothing", () => {
    const session = newSession();
    rememberPendingSignIn(session, "s1", pending(0));

    assert.equal(takePendingSignIn(session, "__proto__", 1), undefined);
    assert.equal(takePendingSignIn(session, "constructor", 1), undefined);
  });

  it("readAll, with malformed entries from the store, ignores them", () => {
    const session = newSession();
    (session as { pendingSignIns: unknown }).pendingSignIns = { bad: { nonce: 1 }, s1: pending(0) };

    assert.equal(takePendingSignIn(session, "bad", 1), undefined);
    assert.equal(takePendingSignIn(session, "s1", 1)?.codeVerifier, "v");
  });
});
