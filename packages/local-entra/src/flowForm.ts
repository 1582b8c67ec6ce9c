/**
 * The opening shared by the sign-in flow's form posts (the sign-in page and the consent page).
 *
 * Guarantees: the tenant path segment must resolve, every field must appear once, and the opaque
 * `transaction` must name a live one-time entry, which `take` consumes (gone or older than its
 * lifetime → AADSTS50089). Each failure is answered here with the error page and yields undefined.
 */
import type { Request, Response } from "express";
import type { TenantContext } from "./context.js";
import { aadsts, newRequestIds } from "./errors.js";
import type { EntraError, RequestIds } from "./errors.js";
import { sendErrorPage } from "./pages.js";
import { Params } from "./params.js";
import { resolveTenant } from "./tenant.js";

export interface FlowForm<T> {
  form: Params;
  entry: T;
  /** The tenant path segment the form was posted to (lowercase). */
  segment: string;
  ids: RequestIds;
  now: number;
}

export function readFlowForm<T>(
  ctx: TenantContext,
  req: Request,
  res: Response,
  take: (transactionId: string, now: number) => T | undefined,
): FlowForm<T> | undefined {
  const now = ctx.now();
  const ids = newRequestIds(undefined, now);
  const resolved = resolveTenant(ctx, req.params.tenant);
  if (!resolved.ok) return refuse(res, resolved.error, ids);
  const form = Params.fromFormBody(req.body);
  const duplicate = form.duplicate();
  if (duplicate !== undefined) return refuse(res, aadsts.duplicateParameter(duplicate), ids);
  const transactionId = form.get("transaction");
  const entry = transactionId === undefined ? undefined : take(transactionId, now);
  if (entry === undefined) return refuse(res, aadsts.flowExpired(), ids);
  return { form, entry, segment: resolved.value.segment, ids, now };
}

function refuse(res: Response, error: EntraError, ids: RequestIds): undefined {
  sendErrorPage(res, error, ids);
  return undefined;
}
