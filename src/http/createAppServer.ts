/**
 * The HTTP server for an Express app, whose requests and responses are created with the app's own
 * prototypes (`app.request`, `app.response`) instead of Node's.
 *
 * Express gives each request and response its prototypes by swapping them in as the request arrives
 * (`Object.setPrototypeOf` in `app.handle`). V8 cannot keep such objects on its fast paths: under
 * load about 40 % of everything a request allocated survived each young-generation collection
 * (against under 1 % for the same page without the swap), and garbage collection was the largest
 * single cost of a page. Created with the right prototype, the swap is a no-op (V8 returns early when
 * the prototype is already the one asked for) and Express behaves exactly as before. See
 * expressjs/express#5998.
 */
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { RequestListener, Server } from "node:http";
import type { Express } from "express";

type Constructor = new (...args: never[]) => object;

/** A constructor that runs `base` and gives the object `prototype` (identical, not a copy). */
function constructing<T extends Constructor>(base: T, prototype: object): T {
  function WithPrototype(...args: unknown[]): object {
    return Reflect.construct(base, args, WithPrototype) as object;
  }
  WithPrototype.prototype = prototype;
  return WithPrototype as unknown as T;
}

/** `handle`: what answers each request (the app itself unless given, e.g. a counter in front). */
export function createAppServer(app: Express, handle: RequestListener = app): Server {
  return createServer(
    {
      IncomingMessage: constructing<typeof IncomingMessage>(IncomingMessage, app.request),
      ServerResponse: constructing<typeof ServerResponse>(ServerResponse, app.response),
    },
    handle,
  );
}
