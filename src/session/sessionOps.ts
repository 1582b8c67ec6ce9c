/** express-session's callback methods as promises, with store failures as SessionStoreError. */
import type { Session } from "express-session";
import { SessionStoreError } from "../errors.js";

function run(operation: string, action: (callback: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    action((err) => {
      if (err) reject(new SessionStoreError(`The session store failed to ${operation}.`, { cause: err }));
      else resolve();
    });
  });
}

export const saveSession = (session: Session) => run("save the session", (cb) => session.save(cb));
export const regenerateSession = (session: Session) =>
  run("renew the session", (cb) => session.regenerate(cb));
export const destroySession = (session: Session) => run("end the session", (cb) => session.destroy(cb));
