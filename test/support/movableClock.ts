/**
 * Moves the wall clock instead of waiting on it (STYLE habit 17): node:test's mock timers replace
 * Date, so the app, its session store, express-session, MSAL and the in-process local tenant all read
 * the same moved time, and an access token or a session expires with no sleep. Only Date moves: the
 * clock stands still until advanced, timers (deadlines, retries) keep running in real time, and the
 * TLS certificates are checked against the real clock.
 *
 * Start it before the apps and the tenant: a clock taken as `Date.now` (the stores' and the tenant's
 * default) is the Date of the moment it was taken.
 */
import { mock } from "node:test";

export interface MovableClock {
  advance(ms: number): void;
  /** The real Date again (after the apps that took the moved one have closed). */
  restore(): void;
}

export function startMovableClock(): MovableClock {
  mock.timers.enable({ apis: ["Date"], now: Date.now() });
  return {
    advance: (ms) => mock.timers.tick(ms),
    restore: () => mock.timers.reset(),
  };
}
