/**
 * The test users' calendars, for GET /v1.0/me/calendarView.
 *
 * Guarantees: deterministic per user and relative to the time of the request: a timed event starts
 * `offsetHours` after the start of the current UTC hour (so an event at +2 h is always still ahead,
 * one at -3 h lasting an hour is always over), an all-day event covers a whole UTC day `days` after
 * today. Event ids are stable (derived from the user's oid and the event's index, never from time).
 * Per user: Adele Vance (TEST_USERS[0]) 8 events — 2 past, 5 in the next 7 days (one all-day), 1 in
 * 10 days; Alex Wilber 3, Megan Bowen 4, Lee Gu NONE (an empty calendar), Mallory 2 whose subject,
 * location, body preview and organizer name hold HTML/script like her profile; Fabrikam's members 2
 * each. A guest object has no mailbox in the inviting tenant (graphCalendar.ts answers 404).
 */
import { createHash } from "node:crypto";
import type { LocalTenantUser } from "./users.js";

interface EventTemplate {
  subject: string;
  bodyPreview: string;
  location: string;
  /** Timed: hours after the start of the current UTC hour. */
  offsetHours?: number;
  durationMinutes?: number;
  /** All-day: UTC days after today. */
  allDayInDays?: number;
  /** Default: the calendar's owner. */
  organizer?: { name: string; address: string };
}

export interface CalendarEventData {
  id: string;
  subject: string;
  bodyPreview: string;
  start: Date;
  end: Date;
  isAllDay: boolean;
  location: string;
  organizer: { name: string; address: string };
}

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

const MEGAN = { name: "Megan Bowen", address: "megan.bowen@contoso.test" };
const ADELE = { name: "Adele Vance", address: "adele.vance@contoso.test" };

/** By home oid (TEST_USERS and SECOND_TENANT_USERS). */
const TEMPLATES: ReadonlyMap<string, readonly EventTemplate[]> = new Map<string, EventTemplate[]>([
  [
    "4f3c9a2e-6b1d-4c8e-9f70-1a2b3c4d5e01",
    [
      {
        subject: "Quarterly review",
        bodyPreview: "Numbers for Q3.",
        location: "Room 18/2111",
        offsetHours: -50,
        durationMinutes: 60,
      },
      {
        subject: "Product sync",
        bodyPreview: "Weekly sync.",
        location: "Teams",
        offsetHours: -3,
        durationMinutes: 60,
      },
      {
        subject: "Marketing stand-up",
        bodyPreview: "Daily stand-up.",
        location: "Teams",
        offsetHours: 2,
        durationMinutes: 30,
      },
      {
        subject: "Launch planning",
        bodyPreview: "Plan the spring launch.",
        location: "Room 18/1001",
        offsetHours: 26,
        durationMinutes: 60,
        organizer: MEGAN,
      },
      {
        subject: "Team offsite",
        bodyPreview: "All day, off site.",
        location: "Lakeside Lodge",
        allDayInDays: 3,
      },
      {
        subject: "1:1 with Megan",
        bodyPreview: "",
        location: "Megan's office",
        offsetHours: 74,
        durationMinutes: 30,
      },
      {
        subject: "Budget review",
        bodyPreview: "Bring the forecast.",
        location: "Room 18/2111",
        offsetHours: 122,
        durationMinutes: 90,
      },
      {
        subject: "Industry conference",
        bodyPreview: "Keynote and booth duty.",
        location: "Convention Center",
        offsetHours: 240,
        durationMinutes: 120,
      },
    ],
  ],
  [
    "8d1e7b54-2f9a-4e36-b0c1-5a6b7c8d9e02",
    [
      {
        subject: "Sprint retro",
        bodyPreview: "What went well.",
        location: "Teams",
        offsetHours: -30,
        durationMinutes: 60,
      },
      {
        subject: "Campaign brief",
        bodyPreview: "Brief for the agency.",
        location: "Room 131/1104",
        offsetHours: 5,
        durationMinutes: 45,
        organizer: ADELE,
      },
      {
        subject: "Customer call",
        bodyPreview: "Call with Fabrikam.",
        location: "Teams",
        offsetHours: 30,
        durationMinutes: 30,
      },
    ],
  ],
  [
    "c27a0f93-5d4b-4a1e-8c62-9b0a1c2d3e03",
    [
      {
        subject: "Audit prep",
        bodyPreview: "Collect evidence.",
        location: "Room 12/1110",
        offsetHours: -100,
        durationMinutes: 120,
      },
      {
        subject: "Audit kickoff",
        bodyPreview: "Scope and timeline.",
        location: "Room 12/1110",
        offsetHours: 3,
        durationMinutes: 60,
      },
      {
        subject: "Compliance review",
        bodyPreview: "Controls walkthrough.",
        location: "Teams",
        offsetHours: 51,
        durationMinutes: 90,
      },
      {
        subject: "Audit close-out",
        bodyPreview: "Findings.",
        location: "Room 12/1110",
        offsetHours: 145,
        durationMinutes: 60,
      },
    ],
  ],
  [
    "6a0d3f72-b8e1-4c59-a4d7-0f1e2d3c4b05",
    [
      {
        subject: "<script>alert('subject')</script> Stand-up",
        bodyPreview: "<img src=x onerror=alert(4)> see you there",
        location: `" onmouseover="alert(3)`,
        offsetHours: 4,
        durationMinutes: 15,
        organizer: { name: "Mallory <script>alert('organizer')</script>", address: "mallory@contoso.test" },
      },
      {
        subject: `Red team "debrief" & <b>lunch</b>`,
        bodyPreview: "</textarea><svg onload=alert(6)>",
        location: "<iframe src=javascript:alert(5)>",
        offsetHours: 28,
        durationMinutes: 60,
      },
    ],
  ],
  [
    "1f6b3d85-9c2e-4a70-b5d1-8e7f6a5b4c11",
    [
      {
        subject: "HR policy review",
        bodyPreview: "New leave policy.",
        location: "Room 14/1108",
        offsetHours: 6,
        durationMinutes: 60,
      },
      {
        subject: "Interviews",
        bodyPreview: "Two candidates.",
        location: "Room 14/1001",
        offsetHours: 54,
        durationMinutes: 120,
      },
    ],
  ],
  [
    "a48c2e17-6d3f-4b98-8e0a-3c5d7e9f1a12",
    [
      {
        subject: "Sales pipeline",
        bodyPreview: "Weekly pipeline.",
        location: "Teams",
        offsetHours: 2,
        durationMinutes: 60,
      },
      {
        subject: "Client visit",
        bodyPreview: "On site at Contoso.",
        location: "Contoso HQ",
        offsetHours: 98,
        durationMinutes: 180,
      },
    ],
  ],
]);

function eventId(oid: string, index: number): string {
  const digest = createHash("sha256").update(`local-tenant-event:${oid}:${index}`).digest("base64url");
  return `AAMkAGLT${digest}AAA=`;
}

/** The user's events at time `now`, ordered by start (undefined: a guest object has no mailbox). */
export function calendarOf(user: LocalTenantUser, now: number): CalendarEventData[] | undefined {
  if (user.userType === "Guest") return undefined;
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const day = Math.floor(now / DAY_MS) * DAY_MS;
  const owner = { name: user.displayName, address: user.mail ?? user.userPrincipalName };
  return (TEMPLATES.get(user.homeOid) ?? [])
    .map((template, index) => {
      const allDay = template.allDayInDays !== undefined;
      const start = allDay
        ? day + (template.allDayInDays ?? 0) * DAY_MS
        : hour + (template.offsetHours ?? 0) * HOUR_MS;
      const end = allDay ? start + DAY_MS : start + (template.durationMinutes ?? 30) * 60 * 1000;
      return {
        id: eventId(user.oid, index),
        subject: template.subject,
        bodyPreview: template.bodyPreview,
        start: new Date(start),
        end: new Date(end),
        isAllDay: allDay,
        location: template.location,
        organizer: template.organizer ?? owner,
      };
    })
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}
