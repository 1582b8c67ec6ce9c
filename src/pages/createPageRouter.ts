/**
 * The pages: home (anyone); profile and its photo, calendar and the Session page (signed-in users),
 * which also lists where else the account is signed in.
 */
import { Router } from "express";
import type { Request } from "express";
import { requireSignIn } from "../auth/requireSignIn.js";
import type { AuthSettings, SessionSettings } from "../config/settings.js";
import { CALENDAR_DAYS_AHEAD, CALENDAR_MAX_EVENTS } from "../graph/calendar.js";
import { callWithToken } from "../graph/callWithToken.js";
import type { TokenCallContext } from "../graph/callWithToken.js";
import type { GraphClient } from "../graph/createGraphClient.js";
import type { Logger } from "../logger.js";
import type { AccountSessions } from "../session/accountSessions.js";
import { describeStoredTokenCache } from "../session/sessionState.js";
import { initialsAvatarSvg } from "./initialsAvatar.js";

export interface PageRouterDeps {
  auth: Pick<AuthSettings, "scopes" | "calendarScopes">;
  /** What the Session page tells about where sessions are kept. */
  sessionSettings: Pick<SessionSettings, "store" | "tokenCacheKeys">;
  graph: GraphClient;
  accountSessions: AccountSessions;
  now: () => number;
  logger: Logger;
}

export function createPageRouter(deps: PageRouterDeps): Router {
  const { auth, sessionSettings, graph, accountSessions, now, logger } = deps;
  const router = Router();
  // requireSignIn guarantees a token source for the request.
  const tokenCall = (req: Request): TokenCallContext => ({ tokens: req.tokens!, session: req.session, now });

  router.get("/", (_req, res) => {
    res.render("home", { title: "Home" });
  });

  router.get("/profile", requireSignIn, async (req, res) => {
    const profile = await callWithToken(tokenCall(req), auth.scopes, (token) =>
      graph.getMe(token, res.locals.requestId),
    );
    res.render("profile", { title: "Profile", profile });
  });

  router.get("/profile/photo", requireSignIn, async (req, res) => {
    // An <img> cannot follow a sign-in or show an error page: any failure shows the initials.
    const photo = await callWithToken(tokenCall(req), auth.scopes, (token) =>
      graph.getMyPhoto(token, res.locals.requestId),
    ).catch((error: unknown) => {
      logger.info({ requestId: res.locals.requestId, err: error }, "profile photo unavailable");
      return undefined;
    });
    // One URL for every account, so nothing may keep it: a browser shared by two people must never
    // show one the other's photo, nor a signed-out browser the last one's. Said here as well as
    // app-wide, because this is the response that used to be cacheable. Not revalidation with a
    // per-account ETag, nor a per-account URL: either leaves the bytes in the browser's cache after
    // sign-out, readable without the network; the price of no-store is one Graph call per profile view.
    res.set("Cache-Control", "no-store");
    if (photo) res.type(photo.contentType).send(photo.bytes);
    else res.type("image/svg+xml").send(initialsAvatarSvg(res.locals.account?.name ?? ""));
  });

  // Needs Calendars.Read, which sign-in does not ask for: the first visit sends the user to consent
  // (callWithToken's SignInRequiredError carries the scope), then back here.
  router.get("/calendar", requireSignIn, async (req, res) => {
    // The world's time, not the app's clock: it asks Graph for the coming days' events.
    const from = new Date();
    const to = new Date(from.getTime() + CALENDAR_DAYS_AHEAD * 86_400_000);
    const events = await callWithToken(tokenCall(req), auth.calendarScopes, (token) =>
      graph.getMyCalendarView(token, { from, to, top: CALENDAR_MAX_EVENTS }, res.locals.requestId),
    );
    res.render("calendar", { title: "Calendar", events, from, to, daysAhead: CALENDAR_DAYS_AHEAD });
  });

  router.get("/session", requireSignIn, async (req, res) => {
    const summary = req.tokens!.describeCache();
    const sessions = await accountSessions.list(res.locals.account!.homeAccountId, req.sessionID);
    res.render("session", {
      title: "Session",
      sessions,
      // Set only by the form that ended another session; any other value shows nothing.
      endedOne: req.query.ended === "1",
      summary,
      ...describeStoredTokenCache(req.session),
      encrypted: sessionSettings.tokenCacheKeys.length > 0,
      signedInAt: new Date(res.locals.account!.signedInAt),
      store: sessionSettings.store,
    });
  });

  return router;
}
