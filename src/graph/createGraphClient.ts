/**
 * Calls Microsoft Graph with axios on the process's keep-alive agent, with a deadline and a cap on
 * the answer's size. Every failure becomes a GraphError: a refusal (403, 404) with words for the user,
 * anything else with the operator's detail (call, status, Graph's error code, cause) and the fixed
 * sentence users see instead. A 429/503 with a short `Retry-After` is waited out once; a longer one
 * is passed on. A 401 carries Graph's claims challenge, if any, for the caller to act on.
 */
import type { Agent } from "node:https";
import axios from "axios";
import type { AxiosResponse } from "axios";
import { parseClaimsChallenge } from "../auth/claimsChallenge.js";
import type { GraphSettings } from "../config/settings.js";
import { GraphError } from "../errors.js";
import type { AppMetrics } from "../metrics/createMetrics.js";
import { isRetryableBusyStatus, parseRetryAfterSeconds, shortWaitMs, sleep } from "../http/retryAfter.js";
import { graphUserSchema, PROFILE_SELECT, toGraphProfile } from "./profile.js";
import type { GraphProfile } from "./profile.js";
import { CALENDAR_SELECT, calendarViewSchema, toCalendarEvents } from "./calendar.js";
import type { CalendarEvent } from "./calendar.js";

export interface GraphPhoto {
  contentType: "image/png" | "image/jpeg";
  bytes: Buffer;
}

export interface GraphClient {
  getMe(accessToken: string, correlationId: string): Promise<GraphProfile>;
  /** The user's photo, or undefined when they have none (Graph's 404 ImageNotFound). */
  getMyPhoto(accessToken: string, correlationId: string): Promise<GraphPhoto | undefined>;
  /** Events between `from` and `to` (needs Calendars.Read), earliest first, times in UTC. */
  getMyCalendarView(
    accessToken: string,
    window: { from: Date; to: Date; top: number },
    correlationId: string,
  ): Promise<CalendarEvent[]>;
}

const MAX_GRAPH_RESPONSE_BYTES = 256 * 1024;
const MAX_PHOTO_BYTES = 4 * 1024 * 1024;
const PHOTO_TYPES = new Set(["image/png", "image/jpeg"]);
const DEFAULT_BUSY_RETRY_AFTER_SECONDS = 30;

export function createGraphClient(
  settings: GraphSettings,
  httpsAgent: Agent,
  metrics?: AppMetrics,
): GraphClient {
  const http = axios.create({
    baseURL: settings.endpoint,
    httpsAgent,
    timeout: settings.timeoutMs,
    maxContentLength: MAX_GRAPH_RESPONSE_BYTES,
    maxRedirects: 0,
    validateStatus: () => true,
  });

  async function get(
    path: string,
    accessToken: string,
    correlationId: string,
    options: { params?: Record<string, string>; headers?: Record<string, string>; binary?: boolean } = {},
  ) {
    const send = async () => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const response = await sendOnce();
        metrics?.graphCall(String(response.status), seconds());
        return response;
      } catch (error) {
        metrics?.graphCall("error", seconds());
        throw error;
      }
    };
    const sendOnce = () =>
      http.get<unknown>(path, {
        params: options.params,
        headers: {
          ...options.headers,
          Authorization: `Bearer ${accessToken}`,
          "client-request-id": correlationId,
        },
        ...(options.binary
          ? { responseType: "arraybuffer" as const, maxContentLength: MAX_PHOTO_BYTES }
          : {}),
      });
    try {
      const response = await send();
      const wait = isRetryableBusyStatus(response.status)
        ? shortWaitMs(parseRetryAfterSeconds(response.headers["retry-after"]))
        : undefined;
      if (wait === undefined) return response;
      await sleep(wait);
      return await send();
    } catch (cause) {
      const timedOut =
        axios.isAxiosError(cause) && (cause.code === "ECONNABORTED" || cause.code === "ETIMEDOUT");
      if (timedOut)
        throw new GraphError(
          504,
          `Microsoft Graph did not answer GET ${path} within ${settings.timeoutMs} ms`,
          {
            cause,
          },
        );
      if (axios.isAxiosError(cause) && cause.code === "ERR_BAD_RESPONSE") {
        throw new GraphError(502, `Microsoft Graph's answer to GET ${path} could not be read`, {
          cause,
          hiddenText: "graphUnreadable",
        });
      }
      throw new GraphError(502, `Microsoft Graph could not be reached for GET ${path}`, {
        cause,
        hiddenText: "graphUnreachable",
      });
    }
  }

  return {
    async getMe(accessToken, correlationId) {
      const response = await get("v1.0/me", accessToken, correlationId, {
        params: { $select: PROFILE_SELECT },
      });
      if (response.status !== 200) throw errorFor(response);
      const parsed = graphUserSchema.safeParse(response.data);
      if (!parsed.success) {
        throw new GraphError(502, "Microsoft Graph's answer to GET v1.0/me is not a profile this app reads", {
          graphStatus: 200,
          cause: parsed.error,
          hiddenText: "graphUnreadable",
        });
      }
      return toGraphProfile(parsed.data);
    },

    async getMyPhoto(accessToken, correlationId) {
      const response = await get("v1.0/me/photo/$value", accessToken, correlationId, { binary: true });
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw errorFor(response);
      const type: unknown = response.headers["content-type"];
      const contentType = typeof type === "string" ? type.split(";")[0]!.trim().toLowerCase() : "";
      if (!PHOTO_TYPES.has(contentType) || !(response.data instanceof Buffer)) {
        throw new GraphError(502, `Microsoft Graph sent a photo of type "${contentType.slice(0, 64)}"`, {
          graphStatus: 200,
          hiddenText: "graphUnreadable",
        });
      }
      return { contentType: contentType as GraphPhoto["contentType"], bytes: response.data };
    },

    async getMyCalendarView(accessToken, window, correlationId) {
      const response = await get("v1.0/me/calendarView", accessToken, correlationId, {
        params: {
          startDateTime: window.from.toISOString(),
          endDateTime: window.to.toISOString(),
          $select: CALENDAR_SELECT,
          $orderby: "start/dateTime",
          $top: String(window.top),
        },
        headers: { Prefer: 'outlook.timezone="UTC"' },
      });
      // E.g. a guest, who has no mailbox in the organization they signed in to.
      if (response.status === 404) {
        throw new GraphError(
          404,
          "This account has no mailbox in this organization, so it has no calendar here.",
          {
            graphStatus: 404,
          },
        );
      }
      if (response.status !== 200) throw errorFor(response);
      const parsed = calendarViewSchema.safeParse(response.data);
      const events = parsed.success ? toCalendarEvents(parsed.data) : undefined;
      if (!events) {
        throw new GraphError(502, "Microsoft Graph's calendar view is not one this app reads", {
          graphStatus: 200,
          cause: parsed.error,
          hiddenText: "graphUnreadable",
        });
      }
      return events;
    },
  };
}

function errorFor(response: AxiosResponse<unknown>): GraphError {
  const status = response.status;
  if (status === 401) {
    const challenge: unknown = response.headers["www-authenticate"];
    return new GraphError(502, describeAnswer(response), {
      graphStatus: 401,
      claimsChallenge: parseClaimsChallenge(typeof challenge === "string" ? challenge : undefined),
      hiddenText: "graphRefusedSignIn",
    });
  }
  if (status === 403) {
    return new GraphError(
      403,
      "Your account does not have permission to read this information. Ask your administrator for access.",
      { graphStatus: 403 },
    );
  }
  if (isRetryableBusyStatus(status)) {
    return new GraphError(503, describeAnswer(response), {
      graphStatus: status,
      retryAfterSeconds:
        parseRetryAfterSeconds(response.headers["retry-after"]) ?? DEFAULT_BUSY_RETRY_AFTER_SECONDS,
    });
  }
  return new GraphError(502, describeAnswer(response), { graphStatus: status });
}

/** For the log: `Microsoft Graph answered 500 (generalException, request-id …) to GET v1.0/me`. */
function describeAnswer(response: AxiosResponse<unknown>): string {
  const requestId: unknown = response.headers["request-id"];
  const details = [
    graphErrorCode(response.data),
    typeof requestId === "string" ? `request-id ${requestId}` : "",
  ]
    .filter((detail) => detail !== "")
    .map((detail) => detail.slice(0, 100));
  const suffix = details.length > 0 ? ` (${details.join(", ")})` : "";
  return `Microsoft Graph answered ${response.status}${suffix} to GET ${response.config.url ?? "?"}`;
}

/** Graph's `error.code`, also from a binary (photo) answer, whose error body is JSON too. */
function graphErrorCode(data: unknown): string {
  let body = data;
  if (Buffer.isBuffer(data) && data.length < 16 * 1024) {
    try {
      body = JSON.parse(data.toString("utf8"));
    } catch {
      return "";
    }
  }
  const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : "";
}
