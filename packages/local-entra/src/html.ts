/**
 * The HTML shell of every page the local tenant serves.
 *
 * Guarantees: every page says plainly "Local test tenant — not Microsoft Entra ID" (in the title
 * and in a banner), interpolated text is HTML-escaped, and pages go out with a strict CSP (no
 * script or style without the per-response nonce, `form-action` limited to this origin plus the
 * origins a form or its redirect legitimately reaches, frames only from the origins a page
 * declares in `frameOrigins`), `no-store`, and framing (of these pages) denied.
 */
import { randomBytes } from "node:crypto";
import type { Response } from "express";

export const NOT_ENTRA_NOTICE = "Local test tenant — not Microsoft Entra ID";

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * A JSON string literal safe inside an inline script: `<`, `>`, `&` and the JS line separators are
 * \u-escaped, so no value can close the script element.
 */
export function scriptLiteral(value: string): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export interface Page {
  title: string;
  /** Trusted markup: callers escape what they interpolate. */
  body: string;
  /** Optional inline script (runs under the response's nonce). */
  script?: string;
  /**
   * Run `script` from the head, before the body is parsed (to see every load event of the body's
   * elements); default: at the end of the body.
   */
  scriptInHead?: boolean;
  /** Origins (besides 'self') that forms on this page, or redirects after them, may reach. */
  formActionOrigins?: string[];
  /** Origins that iframes on this page may load (CSP `frame-src`); default none (`default-src`). */
  frameOrigins?: string[];
}

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
.notice { background: #fff4ce; border: 2px solid #8a6d00; padding: .5rem .75rem; font-weight: 700; }
button { font: inherit; padding: .5rem 1rem; margin: .25rem 0; cursor: pointer; }
button:focus-visible { outline: 3px solid #005a9e; outline-offset: 2px; }
ul.accounts { list-style: none; padding: 0; }
ul.accounts li { margin: .5rem 0; }
.upn { color: #555; margin-left: .5rem; }
.error { color: #a4262c; }
dl.details dt { font-weight: 700; }
`;

export function sendPage(res: Response, status: number, page: Page): void {
  const nonce = randomBytes(16).toString("base64");
  const formAction = ["'self'", ...(page.formActionOrigins ?? [])].join(" ");
  const frameOrigins = [...new Set(page.frameOrigins ?? [])];
  const frameSrc = frameOrigins.length === 0 ? "" : `; frame-src ${frameOrigins.join(" ")}`;
  res.setHeader(
    "Content-Security-Policy",
    `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action ${formAction}${frameSrc}; frame-ancestors 'none'; base-uri 'none'`,
  );
  res.setHeader("Cache-Control", "no-store, no-cache");
  res.setHeader("Pragma", "no-cache");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  const script = page.script === undefined ? "" : `\n<script nonce="${nonce}">${page.script}</script>`;
  const headScript = page.scriptInHead === true ? script : "";
  const endScript = page.scriptInHead === true ? "" : script;
  res
    .status(status)
    .type("text/html; charset=utf-8")
    .send(
      `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} — ${NOT_ENTRA_NOTICE}</title>
<style nonce="${nonce}">${STYLE}</style>${headScript}
</head>
<body>
<p class="notice" role="note">${NOT_ENTRA_NOTICE}</p>
<main>
${page.body}
</main>${endScript}
</body>
</html>
`,
    );
}
