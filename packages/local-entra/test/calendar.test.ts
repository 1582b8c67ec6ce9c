import assert from "node:assert/strict";
import { test } from "node:test";
import { SECOND_TENANT_ID, SECOND_TENANT_USERS, TEST_USERS } from "../src/index.js";
import type { LocalTenant } from "../src/index.js";
import {
  CLIENT,
  graphGet,
  obtainTokens,
  obtainTokensWith,
  OTHER_CLIENT,
  parseJson,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";
import type { HttpResult, TokenResponse } from "./helpers.js";
import { acceptConsent, FABRIKAM_APP, MULTI_APP, redeemAt, signInAt } from "./multiTenantHelpers.js";

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const ODATA_JSON =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const WINDOW_MESSAGE =
  "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.";
const ADELE = TEST_USERS[0];
const ALEX = TEST_USERS[1];
const LEE = TEST_USERS[3];
const MALLORY = TEST_USERS[4];
const DIEGO = SECOND_TENANT_USERS[0];
assert.ok(ADELE && ALEX && LEE && MALLORY && DIEGO);

interface GraphEvent {
  id: string;
  subject?: string;
  bodyPreview?: string;
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  isAllDay?: boolean;
  location?: { displayName: string };
  organizer?: { emailAddress: { name: string; address: string } };
  webLink?: string;
}

interface CalendarView {
  "@odata.context": string;
  "@odata.nextLink"?: string;
  value: GraphEvent[];
}

interface GraphError {
  error: { code: string; message: string };
}

function graphTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.0000000`;
}

function windowQuery(fromMs: number, toMs: number, extra = ""): string {
  return `v1.0/me/calendarView?startDateTime=${new Date(fromMs).toISOString()}&endDateTime=${new Date(toMs).toISOString()}${extra}`;
}

async function calendarToken(tenant: LocalTenant, userOid: string): Promise<string> {
  const tokens = await obtainTokensWith(tenant, {
    authorize: { scope: "openid profile offline_access User.Read Calendars.Read" },
    token: { scope: undefined },
    userOid,
  });
  return tokens.access_token;
}

function subjects(response: HttpResult): (string | undefined)[] {
  return parseJson<CalendarView>(response).value.map((event) => event.subject);
}

void test("GET /v1.0/me/calendarView, for the next 7 days, answers the events in the window in Graph's shape, by start", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  tenant.resetCounters();
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, token, windowQuery(now, now + 7 * DAY));
  const after = Date.now();
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.headers["content-type"], ODATA_JSON);
  const body = parseJson<CalendarView>(response);
  assert.equal(
    body["@odata.context"],
    `https://graph.microsoft.com/v1.0/$metadata#users('${ADELE.oid}')/calendarView`,
  );
  assert.deepEqual(subjects(response), [
    "Marketing stand-up",
    "Launch planning",
    "Team offsite",
    "1:1 with Megan",
    "Budget review",
  ]);
  const first = body.value[0];
  assert.ok(first);
  assert.deepEqual(Object.keys(first), [
    "id",
    "subject",
    "bodyPreview",
    "start",
    "end",
    "isAllDay",
    "location",
    "organizer",
    "webLink",
  ]);
  assert.match(first.id, /^AAMkAGLT[A-Za-z0-9_-]{43}AAA=$/);
  const starts = [now, after].map((ms) => graphTime(Math.floor(ms / HOUR) * HOUR + 2 * HOUR));
  assert.ok(starts.includes(first.start?.dateTime ?? ""), `${first.start?.dateTime} in ${starts.join(", ")}`);
  const startMs = Date.parse(`${first.start?.dateTime.slice(0, 19) ?? ""}Z`);
  assert.deepEqual(first, {
    id: first.id,
    subject: "Marketing stand-up",
    bodyPreview: "Daily stand-up.",
    start: { dateTime: graphTime(startMs), timeZone: "UTC" },
    end: { dateTime: graphTime(startMs + 30 * 60 * 1000), timeZone: "UTC" },
    isAllDay: false,
    location: { displayName: "Teams" },
    organizer: { emailAddress: { name: "Adele Vance", address: "adele.vance@contoso.test" } },
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(first.id)}&exvsurl=1&path=/calendar/item`,
  });
  const offsite = body.value[2];
  assert.equal(offsite?.isAllDay, true);
  const day = Math.floor(now / DAY) * DAY;
  assert.deepEqual(
    [offsite?.start?.dateTime, offsite?.end?.dateTime],
    [graphTime(day + 3 * DAY), graphTime(day + 4 * DAY)],
  );
  assert.equal(body.value[1]?.organizer?.emailAddress.address, "megan.bowen@contoso.test");
  assert.equal(tenant.counters.graphCalendar, 1);
  assert.equal(tenant.counters.graphMe, 0);
});

void test("GET /v1.0/me/calendarView, for a past window and a far one, answers only the events overlapping each", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  const now = Date.now();
  // Act
  const past = await graphGet(tenant, token, windowQuery(now - 3 * DAY, now));
  const far = await graphGet(tenant, token, windowQuery(now + 8 * DAY, now + 11 * DAY));
  // Assert
  assert.deepEqual(subjects(past), ["Quarterly review", "Product sync"]);
  assert.deepEqual(subjects(far), ["Industry conference"]);
});

void test("GET /v1.0/me/calendarView, the same event, keeps its id across requests", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  const now = Date.now();
  // Act
  const one = await graphGet(tenant, token, windowQuery(now, now + 7 * DAY));
  const two = await graphGet(tenant, token, windowQuery(now - DAY, now + 7 * DAY));
  // Assert
  const ids = (r: HttpResult): string[] => parseJson<CalendarView>(r).value.map((e) => e.id);
  assert.deepEqual(ids(two).slice(1), ids(one));
  assert.equal(new Set(ids(two)).size, 6);
});

void test("GET /v1.0/me/calendarView, with $top=2, answers two events and a nextLink to the rest", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  const now = Date.now();
  // Act
  const first = await graphGet(tenant, token, windowQuery(now, now + 7 * DAY, "&$top=2"));
  const nextLink = parseJson<CalendarView>(first)["@odata.nextLink"] ?? "";
  const second = await tenantRequest(tenant, nextLink, {
    headers: { authorization: `Bearer ${token}` },
  });
  // Assert
  assert.deepEqual(subjects(first), ["Marketing stand-up", "Launch planning"]);
  assert.ok(nextLink.startsWith(`${tenant.graphEndpoint}v1.0/me/calendarView?`), nextLink);
  assert.deepEqual(subjects(second), ["Team offsite", "1:1 with Megan"]);
});

void test("GET /v1.0/me/calendarView, with $top over 1000 or 0, answers 400 ErrorInvalidParameter", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  const now = Date.now();
  // Act
  const tooMany = await graphGet(tenant, token, windowQuery(now, now + DAY, "&$top=1001"));
  const zero = await graphGet(tenant, token, windowQuery(now, now + DAY, "&$top=0"));
  const max = await graphGet(tenant, token, windowQuery(now, now + DAY, "&$top=1000"));
  // Assert
  assert.equal(tooMany.status, 400);
  assert.deepEqual(
    [parseJson<GraphError>(tooMany).error.code, parseJson<GraphError>(tooMany).error.message],
    ["ErrorInvalidParameter", "The value '1001' of parameter 'Top' should be between 1 and 1000."],
  );
  assert.equal(zero.status, 400);
  assert.equal(max.status, 200);
});

void test("GET /v1.0/me/calendarView, with $select=subject,start, answers only those fields and id", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, token, windowQuery(now, now + 7 * DAY, "&$select=Subject,start"));
  const unknown = await graphGet(tenant, token, windowQuery(now, now + 7 * DAY, "&$select=subject,secret"));
  // Assert
  const body = parseJson<CalendarView>(response);
  assert.equal(
    body["@odata.context"],
    `https://graph.microsoft.com/v1.0/$metadata#users('${ADELE.oid}')/calendarView(subject,start)`,
  );
  assert.deepEqual(
    body.value.map((event) => Object.keys(event)),
    Array(5).fill(["id", "subject", "start"]),
  );
  assert.equal(unknown.status, 400);
  assert.equal(
    parseJson<GraphError>(unknown).error.message,
    "Could not find a property named 'secret' on type 'microsoft.graph.event'.",
  );
});

void test("GET /v1.0/me/calendarView, without a time window or with half of one, answers 400 ErrorInvalidParameter", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  // Act
  const none = await graphGet(tenant, token, "v1.0/me/calendarView");
  const half = await graphGet(tenant, token, "v1.0/me/calendarView?startDateTime=2030-01-01T00:00:00Z");
  const garbled = await graphGet(
    tenant,
    token,
    "v1.0/me/calendarView?startDateTime=soon&endDateTime=2030-01-01",
  );
  // Assert
  for (const response of [none, half]) {
    assert.equal(response.status, 400);
    const { error } = parseJson<GraphError>(response);
    assert.deepEqual([error.code, error.message], ["ErrorInvalidParameter", WINDOW_MESSAGE]);
  }
  assert.equal(garbled.status, 400);
  assert.equal(
    parseJson<GraphError>(garbled).error.message,
    "The value 'soon' of parameter 'StartDateTime' is invalid.",
  );
});

void test("GET /v1.0/me/calendarView, with a token lacking Calendars.Read, answers 403 ErrorAccessDenied", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, ADELE.oid);
  const now = Date.now();
  tenant.resetCounters();
  // Act
  const response = await graphGet(tenant, tokens.access_token, windowQuery(now, now + DAY));
  // Assert
  assert.equal(response.status, 403);
  const { error } = parseJson<GraphError>(response);
  assert.deepEqual(
    [error.code, error.message],
    ["ErrorAccessDenied", "Access is denied. Check credentials and try again."],
  );
  assert.equal(tenant.counters.graphCalendar, 1);
  assert.equal(tenant.counters.graphErrors, 1);
});

void test("GET /v1.0/me/calendarView, without a token, answers 401 InvalidAuthenticationToken", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, undefined, windowQuery(now, now + DAY));
  // Assert
  assert.equal(response.status, 401);
  assert.equal(parseJson<GraphError>(response).error.code, "InvalidAuthenticationToken");
});

void test("GET /v1.0/me/calendarView, for Lee Gu, answers an empty value array", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, LEE.oid);
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, token, windowQuery(now - 30 * DAY, now + 30 * DAY));
  // Assert
  assert.equal(response.status, 200);
  assert.deepEqual(parseJson<CalendarView>(response).value, []);
});

void test("GET /v1.0/me/calendarView, for Mallory, answers her hostile subjects and locations verbatim", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, MALLORY.oid);
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, token, windowQuery(now, now + 7 * DAY));
  // Assert
  const events = parseJson<CalendarView>(response).value;
  assert.deepEqual(
    events.map((e) => [e.subject, e.location?.displayName]),
    [
      ["<script>alert('subject')</script> Stand-up", `" onmouseover="alert(3)`],
      [`Red team "debrief" & <b>lunch</b>`, "<iframe src=javascript:alert(5)>"],
    ],
  );
  assert.equal(events[0]?.organizer?.emailAddress.name, "Mallory <script>alert('organizer')</script>");
});

void test("GET /v1.0/me/calendarView, with Prefer outlook.timezone UTC, acknowledges it and answers UTC times", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, token, windowQuery(now, now + DAY), {
    prefer: 'outlook.timezone="UTC"',
  });
  // Assert
  assert.equal(response.headers["preference-applied"], 'outlook.timezone="UTC"');
  assert.equal(parseJson<CalendarView>(response).value[0]?.start?.timeZone, "UTC");
});

void test("GET /v1.0/me/calendarView, under Graph faults, answers the fault like /me does", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await calendarToken(tenant, ADELE.oid);
  const now = Date.now();
  tenant.resetCounters();
  // Act
  tenant.faults.graph = { status: 503, times: 1 };
  const unavailable = await graphGet(tenant, token, windowQuery(now, now + DAY));
  tenant.faults.graph = { hugeBodyBytes: 100_000, times: 1 };
  const huge = await graphGet(tenant, token, windowQuery(now, now + DAY));
  const normal = await graphGet(tenant, token, windowQuery(now, now + DAY));
  // Assert
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.headers["retry-after"], "1");
  assert.equal(parseJson<GraphError>(unavailable).error.code, "serviceNotAvailable");
  assert.equal(huge.status, 200);
  assert.ok(huge.bytes.length >= 100_000, String(huge.bytes.length));
  assert.equal(parseJson<CalendarView>(huge).value.length, 1);
  assert.equal(normal.status, 200);
  assert.equal(tenant.faults.graph, null);
  assert.equal(tenant.counters.graphCalendar, 3);
});

void test("GET /v1.0/me/calendarView, with a Fabrikam member's token, answers that member's events", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [CLIENT, OTHER_CLIENT, MULTI_APP] });
  const flow = await signInAt(tenant, "organizations", MULTI_APP, DIEGO.oid, {
    scope: "openid Calendars.Read",
  });
  const code = (await acceptConsent(tenant, flow)).get("code") ?? "";
  const tokens = parseJson<TokenResponse>(
    await redeemAt(tenant, "organizations", MULTI_APP, {
      grant_type: "authorization_code",
      code,
      redirect_uri: MULTI_APP.redirectUris[0],
      code_verifier: flow.pkce.verifier,
    }),
  );
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, tokens.access_token, windowQuery(now, now + 7 * DAY));
  // Assert
  assert.deepEqual(subjects(response), ["HR policy review", "Interviews"]);
});

void test("GET /v1.0/me/calendarView, with the guest's Fabrikam token, answers 404 MailboxNotEnabledForRESTAPI", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t, { clients: [CLIENT, FABRIKAM_APP] });
  const flow = await signInAt(tenant, SECOND_TENANT_ID, FABRIKAM_APP, ALEX.oid, {
    scope: "openid Calendars.Read",
  });
  const code = (await acceptConsent(tenant, flow)).get("code") ?? "";
  const tokens = parseJson<TokenResponse>(
    await redeemAt(tenant, SECOND_TENANT_ID, FABRIKAM_APP, {
      grant_type: "authorization_code",
      code,
      redirect_uri: FABRIKAM_APP.redirectUris[0],
      code_verifier: flow.pkce.verifier,
    }),
  );
  const now = Date.now();
  // Act
  const response = await graphGet(tenant, tokens.access_token, windowQuery(now, now + 7 * DAY));
  // Assert
  assert.equal(response.status, 404);
  assert.equal(parseJson<GraphError>(response).error.code, "MailboxNotEnabledForRESTAPI");
});
