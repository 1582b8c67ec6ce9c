/**
 * The calendar page's Graph data: `/v1.0/me/calendarView` for the coming days, checked at the
 * boundary like the profile (Graph's answer is outside input: unexpected types are refused, strings
 * are capped, and times must parse).
 */
import { z } from "zod";

const text = z.string().max(1024).nullish();
/** Graph's dateTimeTimeZone; with `Prefer: outlook.timezone="UTC"` the zone is UTC. */
const dateTimeTimeZone = z.object({ dateTime: z.string().max(64), timeZone: z.string().max(64).nullish() });

const graphEventSchema = z.object({
  id: z.string().min(1).max(1024),
  subject: text,
  isAllDay: z.boolean().nullish(),
  start: dateTimeTimeZone,
  end: dateTimeTimeZone,
  location: z.object({ displayName: text }).nullish(),
  organizer: z.object({ emailAddress: z.object({ name: text, address: text }).nullish() }).nullish(),
});

export const calendarViewSchema = z.object({ value: z.array(graphEventSchema).max(100) });

export const CALENDAR_SELECT = "id,subject,isAllDay,start,end,location,organizer";
/** How far ahead the calendar page looks, and how many events it shows. */
export const CALENDAR_DAYS_AHEAD = 7;
export const CALENDAR_MAX_EVENTS = 20;

export interface CalendarEvent {
  id: string;
  subject: string | undefined;
  isAllDay: boolean;
  start: Date;
  end: Date;
  location: string | undefined;
  organizer: string | undefined;
}

/** Graph writes UTC times without a zone suffix ("2026-11-30T14:00:00.0000000"). */
function utcDate(value: { dateTime: string; timeZone?: string | null | undefined }): Date | undefined {
  if (value.timeZone && value.timeZone.toUpperCase() !== "UTC") return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value.dateTime) ? value.dateTime : `${value.dateTime}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** undefined when an event's times cannot be read: the caller refuses the whole answer. */
export function toCalendarEvents(view: z.infer<typeof calendarViewSchema>): CalendarEvent[] | undefined {
  const events: CalendarEvent[] = [];
  for (const event of view.value) {
    const start = utcDate(event.start);
    const end = utcDate(event.end);
    if (!start || !end) return undefined;
    const orUndefined = (v: string | null | undefined) => (v ? v : undefined);
    events.push({
      id: event.id,
      subject: orUndefined(event.subject),
      isAllDay: event.isAllDay === true,
      start,
      end,
      location: orUndefined(event.location?.displayName),
      organizer: orUndefined(event.organizer?.emailAddress?.name ?? event.organizer?.emailAddress?.address),
    });
  }
  return events.sort((a, b) => a.start.getTime() - b.start.getTime());
}
