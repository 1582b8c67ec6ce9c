/**
 * GET /v1.0/me/calendarView — the signed-in user's events in a time window, in Graph's shape.
 *
 * Guarantees:
 * - the token checks of graphUser.ts, with Calendars.Read or Calendars.ReadWrite required (else 403
 *   ErrorAccessDenied "Access is denied. Check credentials and try again.");
 * - `startDateTime` and `endDateTime` (names case-insensitive) are both required ISO 8601 date-times
 *   (no zone = UTC), else 400 ErrorInvalidParameter "This request requires a time window specified
 *   by the query string parameters StartDateTime and EndDateTime."; an unparseable one → 400
 *   ErrorInvalidParameter naming it; a query option sent twice → 400 BadRequest;
 * - answers `{ "@odata.context", "value": [...] }` with the events that overlap the window
 *   (start < end of window and end > start of window), ordered by start; each event: id, subject,
 *   bodyPreview, start/end `{ dateTime: "YYYY-MM-DDTHH:mm:ss.0000000", timeZone: "UTC" }`, isAllDay,
 *   location `{ displayName }`, organizer `{ emailAddress: { name, address } }`, webLink;
 * - `$top` (default 10; an integer 1..1000, else 400 ErrorInvalidParameter) and `$skip` page the
 *   answer; when more events remain, `@odata.nextLink` points at the next page;
 * - `$select` (comma-separated, case-insensitive, among the fields above; unknown → 400 BadRequest)
 *   returns only those fields plus `id`, and the context becomes `…/calendarView(a,b)`;
 * - times are always in UTC: `Prefer: outlook.timezone="UTC"` is honoured (and acknowledged with
 *   `Preference-Applied`); any other zone asked for is ignored (still UTC — a simplification);
 * - a guest user object has no mailbox in the inviting tenant: 404 MailboxNotEnabledForRESTAPI;
 * - with the huge-body fault: a valid calendarView answer padded in one event's bodyPreview.
 */
import type { Request, Response } from "express";
import { calendarOf } from "./calendarEvents.js";
import type { CalendarEventData } from "./calendarEvents.js";
import type { TenantContext } from "./context.js";
import { authenticateGraphRequest } from "./graphAuth.js";
import { sendGraphError } from "./graphErrors.js";
import { authorizedUser, graphIdsOf, sendOData } from "./graphUser.js";
import type { ScopeRequirement } from "./graphUser.js";

export const CALENDAR_VIEW_PATH = /^\/v1\.0\/me\/calendarView\/?$/i;
export const MAX_TOP = 1000;
const DEFAULT_TOP = 10;
const MAX_HUGE_BYTES = 256 * 1024 * 1024;
const CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#users";
export const TIME_WINDOW_MESSAGE =
  "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.";

const CALENDAR_READ: ScopeRequirement = {
  scopes: ["Calendars.Read", "Calendars.ReadWrite"],
  deniedCode: "ErrorAccessDenied",
  deniedMessage: "Access is denied. Check credentials and try again.",
};

export const EVENT_FIELDS = [
  "id",
  "subject",
  "bodyPreview",
  "start",
  "end",
  "isAllDay",
  "location",
  "organizer",
  "webLink",
] as const;
type EventField = (typeof EVENT_FIELDS)[number];

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:\d{2})?$/i;

function parseDateTime(value: string): Date | undefined {
  const match = ISO_8601.exec(value);
  if (match === null) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "0", zone = "Z"] = match;
  const millis = fraction.padEnd(3, "0").slice(0, 3);
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${millis}${zone.toUpperCase()}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Graph's dateTime: UTC, no zone suffix, seven fractional digits. */
export function graphDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}.0000000`;
}

/** Query options by lower-cased name (Graph's are case-insensitive); a name sent twice is reported. */
function readQuery(req: Request): { options: Map<string, string>; duplicate: string | undefined } {
  const options = new Map<string, string>();
  let duplicate: string | undefined;
  for (const [name, value] of new URL(req.originalUrl, "https://local.invalid").searchParams) {
    const key = name.toLowerCase();
    if (options.has(key)) duplicate ??= name;
    options.set(key, value);
  }
  return { options, duplicate };
}

function eventBody(
  event: CalendarEventData,
  fields: readonly EventField[] | undefined,
): Record<string, unknown> {
  const full: Record<EventField, unknown> = {
    id: event.id,
    subject: event.subject,
    bodyPreview: event.bodyPreview,
    start: { dateTime: graphDateTime(event.start), timeZone: "UTC" },
    end: { dateTime: graphDateTime(event.end), timeZone: "UTC" },
    isAllDay: event.isAllDay,
    location: { displayName: event.location },
    organizer: { emailAddress: { name: event.organizer.name, address: event.organizer.address } },
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
  };
  const body: Record<string, unknown> = {};
  for (const field of EVENT_FIELDS) {
    if (fields === undefined || field === "id" || fields.includes(field)) body[field] = full[field];
  }
  return body;
}

function parseSelect(
  raw: string | undefined,
): { ok: true; fields: EventField[] | undefined } | { ok: false; name: string } {
  if (raw === undefined || raw.trim() === "") return { ok: true, fields: undefined };
  const fields: EventField[] = [];
  for (const item of raw.split(",")) {
    const name = item.trim();
    if (name === "") continue;
    const field = EVENT_FIELDS.find((known) => known.toLowerCase() === name.toLowerCase());
    if (field === undefined) return { ok: false, name };
    if (!fields.includes(field)) fields.push(field);
  }
  return { ok: true, fields: fields.length === 0 ? undefined : fields };
}

export async function calendarView(ctx: TenantContext, req: Request, res: Response): Promise<void> {
  const ids = graphIdsOf(res);
  const user = await authorizedUser(ctx, req, res, ids, CALENDAR_READ);
  if (user === undefined) return;
  const bad = (code: string, message: string): void => sendGraphError(ctx, res, ids, 400, code, message);
  const { options, duplicate } = readQuery(req);
  if (duplicate !== undefined) {
    return bad(
      "BadRequest",
      `Query option '${duplicate}' was specified more than once, but it must be specified at most once.`,
    );
  }
  const rawStart = options.get("startdatetime");
  const rawEnd = options.get("enddatetime");
  if (rawStart === undefined || rawStart === "" || rawEnd === undefined || rawEnd === "") {
    return bad("ErrorInvalidParameter", TIME_WINDOW_MESSAGE);
  }
  const start = parseDateTime(rawStart);
  if (start === undefined) {
    return bad("ErrorInvalidParameter", `The value '${rawStart}' of parameter 'StartDateTime' is invalid.`);
  }
  const end = parseDateTime(rawEnd);
  if (end === undefined) {
    return bad("ErrorInvalidParameter", `The value '${rawEnd}' of parameter 'EndDateTime' is invalid.`);
  }
  const rawTop = options.get("$top") ?? options.get("top");
  const top = rawTop === undefined ? DEFAULT_TOP : /^\d{1,9}$/.test(rawTop) ? Number(rawTop) : Number.NaN;
  if (!(top >= 1 && top <= MAX_TOP)) {
    return bad(
      "ErrorInvalidParameter",
      `The value '${rawTop ?? ""}' of parameter 'Top' should be between 1 and ${MAX_TOP}.`,
    );
  }
  const rawSkip = options.get("$skip") ?? options.get("skip");
  const skip = rawSkip === undefined ? 0 : /^\d{1,9}$/.test(rawSkip) ? Number(rawSkip) : Number.NaN;
  if (Number.isNaN(skip)) {
    return bad("ErrorInvalidParameter", `The value '${rawSkip ?? ""}' of parameter 'Skip' is invalid.`);
  }
  const select = parseSelect(options.get("$select") ?? options.get("select"));
  if (!select.ok) {
    return bad(
      "BadRequest",
      `Could not find a property named '${select.name}' on type 'microsoft.graph.event'.`,
    );
  }
  const events = calendarOf(user, ctx.now());
  if (events === undefined) {
    return sendGraphError(
      ctx,
      res,
      ids,
      404,
      "MailboxNotEnabledForRESTAPI",
      "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    );
  }
  const inWindow = events.filter((event) => event.start < end && event.end > start);
  const page = inWindow.slice(skip, skip + top);
  const selected = select.fields === undefined ? "" : `(${select.fields.join(",")})`;
  const body: Record<string, unknown> = {
    "@odata.context": `${CONTEXT}('${user.oid}')/calendarView${selected}`,
    value: page.map((event) => eventBody(event, select.fields)),
  };
  if (skip + top < inWindow.length) {
    const next = new URL(`${ctx.graphOrigin}/v1.0/me/calendarView`);
    next.searchParams.set("startDateTime", rawStart);
    next.searchParams.set("endDateTime", rawEnd);
    if (select.fields !== undefined) next.searchParams.set("$select", select.fields.join(","));
    next.searchParams.set("$top", String(top));
    next.searchParams.set("$skip", String(skip + top));
    body["@odata.nextLink"] = next.href;
  }
  if (/outlook\.timezone\s*=\s*"utc"/i.test(req.get("prefer") ?? "")) {
    res.setHeader("Preference-Applied", 'outlook.timezone="UTC"');
  }
  sendOData(res, body);
}

/** The huge-body fault: a valid calendarView answer, padded in one event's bodyPreview. */
export async function sendHugeCalendar(
  ctx: TenantContext,
  req: Request,
  res: Response,
  bytes: number,
): Promise<void> {
  const auth = await authenticateGraphRequest(ctx, req.get("authorization"));
  const oid = auth.ok ? auth.oid : (ctx.users[0]?.oid ?? "");
  const now = new Date(ctx.now());
  const event: CalendarEventData = {
    id: "AAMkAGLThuge",
    subject: "Huge",
    bodyPreview: "",
    start: now,
    end: new Date(now.getTime() + 3600 * 1000),
    isAllDay: false,
    location: "",
    organizer: { name: "", address: "" },
  };
  const body = {
    "@odata.context": `${CONTEXT}('${oid}')/calendarView`,
    value: [eventBody(event, undefined)],
  };
  const wanted = Number.isFinite(bytes) ? Math.min(Math.max(0, Math.floor(bytes)), MAX_HUGE_BYTES) : 0;
  const padding = Math.max(0, wanted - Buffer.byteLength(JSON.stringify(body), "utf8"));
  const first = body.value[0];
  if (first !== undefined) first.bodyPreview = "x".repeat(padding);
  const size = sendOData(res, body);
  ctx.log(`graph: fault huge body (${size} bytes) ${req.method} ${req.path}`);
}
