/**
 * `Retry-After` from an upstream 429/503: seconds or an HTTP date. A short wait (up to two seconds)
 * is honoured once inside the request; a longer one is passed on to the browser instead, so a busy
 * upstream never turns into a tight retry loop.
 */
export const LONGEST_WAIT_IN_REQUEST_SECONDS = 2;
const LONGEST_ADVICE_SECONDS = 300;

export function parseRetryAfterSeconds(header: unknown, nowMs = Date.now()): number | undefined {
  if (typeof header !== "string" || header.length > 64) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), LONGEST_ADVICE_SECONDS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, Math.ceil((date - nowMs) / 1000)), LONGEST_ADVICE_SECONDS);
}

export function isRetryableBusyStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** The wait to honour in-request, or undefined when the upstream asks for longer (or says nothing). */
export function shortWaitMs(retryAfterSeconds: number | undefined): number | undefined {
  if (retryAfterSeconds === undefined || retryAfterSeconds > LONGEST_WAIT_IN_REQUEST_SECONDS)
    return undefined;
  return retryAfterSeconds * 1000;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
