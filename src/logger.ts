/**
 * The logger the app depends on (pino's). Tests pass their own; server.ts builds this one: JSON lines,
 * or pretty output in local development. Secrets are kept out twice: known fields (authorization,
 * cookies, tokens) are redacted by path, and anything token-shaped that slips into a line anyway
 * (a JWT, an Entra refresh token or code) is masked as the line is written.
 */
import { pino } from "pino";
import type { DestinationStream, Logger, LoggerOptions } from "pino";
export type { Logger } from "pino";

/** JWTs (`eyJ….eyJ….…`) and long opaque grant values after a `code=`/`refresh_token=`-like key. */
const TOKEN_SHAPED =
  /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*|((?:code|refresh_token|access_token|id_token|client_secret)=)[^&\s"]+/g;

export function maskTokenShapedValues(line: string): string {
  return line.replace(TOKEN_SHAPED, (_match, key: string | undefined) =>
    key ? `${key}[redacted]` : "[redacted-jwt]",
  );
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        "*.accessToken",
        "*.refreshToken",
        "*.idToken",
        "*.clientSecret",
      ],
      censor: "[redacted]",
    },
    hooks: { streamWrite: maskTokenShapedValues },
  };
}

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }) {
  if (options.pretty) {
    return pino({
      ...loggerOptions(options.level),
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } },
    });
  }
  return pino(loggerOptions(options.level), options.destination ?? bufferedStdout());
}

/** Lines are written out once this many bytes wait, or LOG_FLUSH_INTERVAL_MS after the last write. */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_INTERVAL_MS = 1000;

/**
 * Buffered, asynchronous writes to stdout. A request never waits for the log's system call, and under
 * load about twenty lines go out in one write instead of one write each (a write system call per
 * request was a fifth of a signed-in page's CPU). A quiet moment still sees its lines within a
 * second (sonic-boom's periodic flush, on a timer that keeps no process alive). What is buffered is
 * written out on exit (pino flushes such a destination then), and server.ts flushes it on shutdown.
 */
function bufferedStdout(): DestinationStream {
  return pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_BUFFER_BYTES,
    periodicFlush: LOG_FLUSH_INTERVAL_MS,
  });
}

/** Writes out what the logger still holds (an asynchronous destination's buffer). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
