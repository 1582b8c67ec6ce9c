/**
 * The logger type the app depends on (pino's). Tests pass a silent one; server.ts builds the real one.
 * Header and body fields that could hold secrets are redacted at the source.
 */
import { pino } from "pino";
export type { Logger } from "pino";

export function createLogger(options: { level: string; pretty?: boolean }) {
  return pino({
    level: options.level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        "*.accessToken",
        "*.refreshToken",
        "*.idToken",
      ],
      censor: "[redacted]",
    },
  });
}
