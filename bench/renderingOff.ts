/**
 * "home without rendering": the full app, with this middleware in front. It gives the response an
 * own `render` (which Express's setting of the response's prototype, when the app takes the request
 * over, leaves in place): the first call renders for real and keeps the page, every later call sends
 * that page as it is, the way the app sends a page (sendPage). So the response is a constant HTML
 * body of the home page's size, and home − this route is what rendering costs (EJS, the locals merge).
 */
import type { RequestHandler, Response } from "express";
import { sendPage } from "../src/pages/templateEngine.js";

type RenderCallback = (err: Error | null, html: string) => void;
type Render = (this: Response, view: string, options: object, callback: RenderCallback) => void;

export function renderingOff(): RequestHandler {
  const kept: { page?: string } = {};
  return (req, res, next) => {
    const standIn = (view: string, options?: object) => {
      if (kept.page !== undefined) {
        sendPage(res, kept.page);
        return;
      }
      // The prototype's render, now the app's: its views, engine and locals.
      const prototype = Object.getPrototypeOf(res) as { render: Render };
      const keep: RenderCallback = (err, html) => {
        if (err) {
          // The app's own error handling: req.next is the router's where render was called.
          (req.next ?? next)(err);
          return;
        }
        kept.page = html;
        sendPage(res, html);
      };
      prototype.render.call(res, view, options ?? {}, keep);
    };
    res.render = standIn;
    next();
  };
}
