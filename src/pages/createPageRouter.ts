/**
 * The pages: home (anyone); profile and its photo, calendar and the Session page (signed-in users),
 * which also lists where else the account is signed in.
 */
import { Router } from "express";
import type { AppConfig } from "../config/settings.js";
import type { GraphClient } from "../graph/createGraphClient.js";
import { callWithToken } from "../graph/callWithToken.js";
import { requireSignIn } from "../auth/requireSignIn.js";
import type { Logger } from "../logger.js";
import type { AccountSessions } from "../session/accountSessions.js";
import { initialsAvatarSvg } from "./initialsAvatar.js";
import { CALENDAR_DAYS_AHEAD, CALENDAR_MAX_EVENTS } from "../graph/calendar.js";

export function createPageRouter(deps: {
  config: AppConfig;
  graph: GraphClient;
  accountSessions: AccountSessions;
  logger: Logger;
}): Router {
  const { config, graph, accountSessions, logger } = deps;
  const router = Router();

  router.get("/", (_req, res) => {
    res.render("home");
  });

  router.get("/profile", requireSignIn, async (req, res) => {
    // requireSignIn guarantees a token source for this request.
    const context = { tokens: req.tokens!, session: req.session };
    const profile = await callWithToken(context, config.auth.scopes, (token) =>
      graph.getMe(token, res.locals.requestId),
    );
    res.render("profile", { profile });
  });

  router.get("/profile/photo", requireSignIn, async (req, res) => {
    const context = { tokens: req.tokens!, session: req.session };
    // An <img> cannot follow a sign-in or show an error page: any failure shows the initials.
    const photo = await callWithToken(context, config.auth.scopes, (token) =>
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
    const context = { tokens: req.tokens!, session: req.session };
    const from = new Date();
    const to = new Date(from.getTime() + CALENDAR_DAYS_AHEAD * 86_400_000);
    const events = await callWithToken(context, config.auth.calendarScopes, (token) =>
      graph.getMyCalendarView(token, { from, to, top: CALENDAR_MAX_EVENTS }, res.locals.requestId),
    );
    res.render("calendar", { events, from, to, daysAhead: CALENDAR_DAYS_AHEAD });
  });

  router.get("/session", requireSignIn, async (req, res) => {
    const summary = req.tokens!.describeCache();
    const sessions = await accountSessions.list(res.locals.account!.homeAccountId, req.sessionID);
    res.render("session", {
      sessions,
      // Set only by the form that ended another session; any other value shows nothing.
      endedOne: req.query.ended === "1",
      summary,
      envelopeBytes:
        typeof req.session.tokenCache === "string" ? Buffer.byteLength(req.session.tokenCache) : 0,
      encrypted: config.session.tokenCacheKeys.length > 0,
      writtenAt:
        typeof req.session.tokenCacheWrittenAt === "number"
          ? new Date(req.session.tokenCacheWrittenAt)
          : undefined,
      signedInAt: new Date(res.locals.account!.signedInAt),
      store: config.session.store,
    });
  });

  return router;
}
