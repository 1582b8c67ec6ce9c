/**
 * How the app renders its views: EJS, each page inside one layout (views/layout.ejs: the head, the
 * header and the footer every page shares), compiled once per process unless `reload` (`npm run dev`,
 * which re-reads both files on every render so that edits show at once).
 *
 * Two choices make a page about three times cheaper to render than EJS's defaults (bench, issue 15):
 * - The layout wraps the page here, not through EJS's `include()`: each include copies the compile
 *   options and the locals twice and resolves a path, which cost more than the page itself.
 * - Strict mode, with the locals views read declared up front (VIEW_LOCALS) instead of `with (locals)`,
 *   which V8 cannot optimize. A view that reads a name missing from the list fails at render
 *   ("… is not defined"), so the list cannot silently fall behind the views.
 */
import ejs from "ejs";
import type { Express } from "express";
import { join } from "node:path";

type RenderCallback = (err: Error | null, html?: string) => void;
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
  app.engine("ejs", (file: string, renderOptions: object, done: RenderCallback) => {
    const locals = renderOptions as Record<string, unknown>;
    let html: string;
    try {
      // Every page's <title> names it: a route that forgot would show "undefined" to people.
      if (typeof locals.title !== "string" || locals.title === "") {
        throw new Error(`the view ${file} was rendered without a title`);
      }
      // `locals` is Express's own object for this one render: the layout's `body` may join it.
      locals.body = viewAt(file)(locals);
      html = viewAt(layoutFile)(locals);
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
}
