/**
 * How the app renders its views: EJS, compiled once per process unless `reload` (`npm run dev`), and
 * with `root` set to the views folder so that includes name their file from it ("/partials/top").
 * EJS resolves such a path without the disk, where a relative include costs a file-system check on
 * every render, cached or not. EJS 7 no longer reads Express's "view options", hence an engine.
 */
import ejs from "ejs";
import type { Express } from "express";

type RenderCallback = (err: Error | null, html?: string) => void;

export function useTemplates(app: Express, options: { viewsDir: string; reload: boolean }): void {
  const ejsOptions = { root: options.viewsDir, cache: !options.reload };
  app.engine("ejs", (file: string, locals: object, done: RenderCallback) => {
    ejs.renderFile(file, locals as ejs.Data, ejsOptions, (err, html) => done(err, html));
  });
  app.set("views", options.viewsDir);
  app.set("view engine", "ejs");
  // Express's own cache of where each view's file is (without it, a lookup on the disk per render).
  app.set("view cache", !options.reload);
}
