/**
 * The app process's count of the measured routes' requests (bench/server.ts calls it before each
 * app), by the route the request's `x-bench-route` header names (requests without one, such as
 * sign-ins, are not counted), and the wait until none is running that every snapshot starts with.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ROUTE_HEADER, ROUTES, routeNamed } from "./protocol.js";
import type { RouteCounts, RouteName } from "./protocol.js";

/** A snapshot waits at most this long for requests still running (autocannon stops mid-request). */
const IDLE_WAIT_MS = 5_000;

/**
 * Counts the requests of the measured routes the app has handled, and knows when none is running.
 * A request counts as handled when the app calls `res.end` for real: express-session calls it only
 * after its store write or touch has completed, so by then all of the request's work is done — also
 * for requests whose connection autocannon closed when its run ended ("aborted").
 */
export function createRouteCounter() {
  const routes = Object.fromEntries(
    ROUTES.map((route) => [route, { handled: 0, non200: 0, aborted: 0 }]),
  ) as Record<RouteName, RouteCounts>;
  let running = 0;
  let idleWaiters: (() => void)[] = [];
  const count = (req: IncomingMessage, res: ServerResponse): void => {
    const route = routeNamed(req.headers[ROUTE_HEADER]);
    running += 1;
    let handled = false;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      if (!handled) {
        handled = true;
        if (route) {
          routes[route].handled += 1;
          if (res.statusCode !== 200) routes[route].non200 += 1;
          if (res.destroyed) routes[route].aborted += 1;
        }
        running -= 1;
        if (running === 0) {
          for (const wake of idleWaiters) wake();
          idleWaiters = [];
        }
      }
      return end(...args);
    }) as typeof res.end;
  };
  const whenIdle = async (): Promise<boolean> => {
    if (running === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), IDLE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    return idle;
  };
  return { routes, count, whenIdle };
}
