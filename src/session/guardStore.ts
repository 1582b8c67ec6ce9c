/**
 * Wraps the session store so that every call ends within a deadline (a store that hangs becomes a
 * 503, never a request that waits forever). A session that cannot be read is the stores' concern
 * (they answer null and delete it; test/session/storeContract.ts). It never emits
 * "disconnect": express-session would then silently drop sessions, which looks like a sign-out.
 */
import { Store } from "express-session";
import type { SessionData } from "express-session";
import type { AppMetrics } from "../metrics/createMetrics.js";
import { DeadlineExceededError } from "../errors.js";

type Callback<T = unknown> = (err?: unknown, value?: T) => void;

export class GuardedStore extends Store {
  constructor(
    private readonly inner: Store,
    private readonly timeoutMs: number,
    private readonly metrics?: AppMetrics,
  ) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.bounded<SessionData | null>("get", (cb) => this.inner.get(sid, cb), callback);
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    this.bounded("set", (cb) => this.inner.set(sid, session, cb), callback);
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    const touch = this.inner.touch?.bind(this.inner);
    if (!touch) {
      callback?.();
      return;
    }
    this.bounded("touch", (cb) => touch(sid, session, cb), callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.bounded("destroy", (cb) => this.inner.destroy(sid, cb), callback);
  }

  private bounded<T>(operation: string, call: (cb: Callback<T>) => void, callback?: Callback<T>): void {
    let settled = false;
    // Assigned once, after the call: a call that answers at once reads it before then.
    // eslint-disable-next-line prefer-const
    let timer: NodeJS.Timeout | undefined;
    const finish: Callback<T> = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.metrics?.storeOperation(operation, err ? "error" : "ok");
      callback?.(err, value);
    };
    try {
      call(finish);
    } catch (error) {
      // Thrown after an answer given at once, it came from the caller's own callback (the rest of
      // the request, run synchronously): it is the caller's to see, not a store failure to swallow.
      if (settled) throw error;
      finish(error);
    }
    // A call answered at once (a touch with nothing to write) needs no deadline, and keeps its
    // answer synchronous (see the stores' touch).
    if (settled) return;
    timer = setTimeout(
      () => finish(new DeadlineExceededError(`session store ${operation}`, this.timeoutMs)),
      this.timeoutMs,
    );
    timer.unref();
  }
}
