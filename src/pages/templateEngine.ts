/**
 * How the app renders its views: EJS, each page inside one layout (views/layout.ejs: the head, the
 * header and the footer every page shares), compiled once per process unless `reload` (`npm run dev`,
 * which re-reads both files on every render so that edits show at once).
 *
 * Three choices make a page several times cheaper to render than Express and EJS's defaults (bench,
 * issue 15):
 * - The layout wraps the page here, not through EJS's `include()`: each include copies the compile
 *   options and the locals twice and resolves a path, which cost more than the page itself.
 * - Strict mode, with the locals views read declared up front (VIEW_LOCALS) instead of `with (locals)`,
 *   which V8 cannot optimize. A view that reads a name missing from the list fails at render
 *   ("… is not defined"), so the list cannot silently fall behind the views.
 * - This app's `res.render` (on `app.response`, which Express offers for such extensions) renders the
 *   compiled view and sends it as it is, with the same contract as Express's: `res.render(view,
 *   [locals], [callback])`, locals over `res.locals` over `app.locals`, an error to the callback or
 *   to `next`. Express's own goes through `app.render` (a view lookup, the options merged again) and
 *   `res.send` (a Buffer copy of every body over 1,000 characters, content-type lookups).
 */
import ejs from "ejs";
import type { Express, Response } from "express";
import type { ServerResponse } from "node:http";
import { join } from "node:path";

type RenderCallback = (err: Error | null, html?: string) => void;
type PageRender = (
  view: string,
  locals?: Record<string, unknown> | RenderCallback,
  callback?: RenderCallback,
) => void;
type CompiledView = (locals: object) => string;

/**
 * Every name a view or the layout reads from its locals: what the routes, the error handler and the
 * middleware (`res.locals`, `app.locals`) give them. `title` and `body` are the layout's.
 */
export const VIEW_LOCALS = [
  // The layout: every page.
  "title",
  "body",
  "environmentNotice",
  "account",
  "adminLink",
  "csrfToken",
  // The error page.
  "message",
  "status",
  "requestId",
  "retryHref",
  // The other pages.
  "profile",
  "events",
  "from",
  "to",
  "daysAhead",
  "sessions",
  "endedOne",
  "signedInAt",
  "summary",
  "envelopeBytes",
  "encrypted",
  "store",
  "writtenAt",
  "state",
  "adminRole",
] as const;

/** The name of the layout's file in the views folder. */
export const LAYOUT_FILE = "layout.ejs";

/** Sends a rendered page as it is (a HEAD request gets the same headers and no body, from Node). */
export function sendPage(res: ServerResponse, html: string): void {
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(html));
  res.end(html);
}

export function useTemplates(app: Express, options: { viewsDir: string; reload: boolean }): void {
  const compiled = new Map<string, CompiledView>();
  const compileOptions = { strict: true, destructuredLocals: [...VIEW_LOCALS], root: options.viewsDir };
  const viewAt = (file: string): CompiledView => {
    let view = options.reload ? undefined : compiled.get(file);
    if (!view) {
      // EJS's own file loader (its documented hook), so that reading a view is one thing to watch.
      const source = ejs.fileLoader(file).toString();
      view = ejs.compile(source, { ...compileOptions, filename: file });
      if (!options.reload) compiled.set(file, view);
    }
    return view;
  };
  const layoutFile = join(options.viewsDir, LAYOUT_FILE);
  /** The page `file` in the layout. `locals` is this render's own object: the layout's `body` joins it. */
  const renderPage = (file: string, locals: Record<string, unknown>): string => {
    // Every page's <title> names it: a route that forgot would show "undefined" to people.
    if (typeof locals.title !== "string" || locals.title === "") {
      throw new Error(`the view ${file} was rendered without a title`);
    }
    locals.body = viewAt(file)(locals);
    return viewAt(layoutFile)(locals);
  };

  // Express's app.render (and so a res.render of Express's) comes here, after its view lookup.
  app.engine("ejs", (file: string, renderOptions: object, done: RenderCallback) => {
    let html: string;
    try {
      html = renderPage(file, renderOptions as Record<string, unknown>);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, html);
  });
  app.set("views", options.viewsDir);
  app.set("view engine", "ejs");
  // Express's own cache of where each view's file is (without it, a lookup on the disk per render).
  app.set("view cache", !options.reload);

  // Views are named by the app's code ("home", "error"), never by a request.
  const fileOfView = (view: string) => join(options.viewsDir, `${view}.ejs`);
  const render: PageRender = function (this: Response, view, localsOrCallback, callback) {
    const done = typeof localsOrCallback === "function" ? localsOrCallback : callback;
    const given = typeof localsOrCallback === "object" ? localsOrCallback : undefined;
    let html: string;
    try {
      html = renderPage(fileOfView(view), { ...this.app.locals, ...this.locals, ...given });
    } catch (error) {
      if (done) done(error as Error);
      // As Express's own: the router's next of where render was called (always set in a route).
      else if (this.req.next) this.req.next(error);
      else throw error;
      return;
    }
    if (done) done(null, html);
    else sendPage(this, html);
  };
  app.response.render = render as Response["render"];
}
