/**
 * Gives every request an id: shown on error pages, written to the log and handed to MSAL as its
 * correlation id. It is generated here, never taken from the request (a client could forge it).
 */
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

export const assignRequestId: RequestHandler = (_req, res, next) => {
  res.locals.requestId = randomUUID();
  next();
};
