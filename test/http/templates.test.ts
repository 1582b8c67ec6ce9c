/**
 * Pages are rendered from templates compiled once per process, with no disk access per render,
 * whatever NODE_ENV says (`npm start` runs as development by default); only `npm run dev`
 * (reloadTemplates) re-reads them. And pages carry no ETag: they are no-store, so nothing would
 * revalidate one, and computing it hashes every body. The engine itself (src/pages/templateEngine.ts):
 * the layout around every page, escaping, a title on every page, and strict views.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import ejsModule from "ejs";
import { after, afterEach, before, describe, it, mock } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { Server } from "node:http";
import express from "express";
import type { ErrorRequestHandler } from "express";
import { LAYOUT_FILE, VIEW_LOCALS, useTemplates } from "../../src/pages/templateEngine.js";
import { projectPaths } from "../../src/paths.js";
import { closeNow, listenOnLoopback } from "../support/loopback.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

/** The EJS instance the app renders with (src/pages/templateEngine.ts); its file loader is a documented hook. */
const ejs = ejsModule as unknown as {
  fileLoader: (path: string) => Buffer;
  compile: (source: string, options: object) => unknown;
};

/** Counts template reads (EJS's file loader) and file-system checks while `work` runs. */
async function diskAccessDuring(work: () => Promise<void>) {
  const reads: string[] = [];
  const load = ejs.fileLoader;
  ejs.fileLoader = (path) => {
    reads.push(path);
    return load(path);
  };
  const exists = mock.method(fs, "existsSync");
  const stats = mock.method(fs, "statSync");
  try {
    await work();
    return { reads, checks: exists.mock.callCount() + stats.mock.callCount() };
  } finally {
    ejs.fileLoader = load;
    exists.mock.restore();
    stats.mock.restore();
  }
}

type Page = [name: string, path: string, status: number, who: "visitor" | "signedIn"];
const PAGES: Page[] = [
  ["home, signed out", "/", 200, "visitor"],
  ["home, signed in", "/", 200, "signedIn"],
  ["profile", "/profile", 200, "signedIn"],
  ["session", "/session", 200, "signedIn"],
  ["not found (error page)", "/nowhere", 404, "signedIn"],
  ["admin, without the role (403 page)", "/admin", 403, "signedIn"],
];

for (const [label, env, reloadTemplates] of [
  ["NODE_ENV=development (npm start's default)", "development", false],
  ["NODE_ENV=test", "test", false],
  ["NODE_ENV=development with reloadTemplates (npm run dev)", "development", true],
] as const) {
  describe(`page rendering, ${label}`, () => {
    let app: TestApp;
    let visitor: TestClient;
    let signedIn: TestClient;
    before(async () => {
      app = await startTestApp({ env: { NODE_ENV: env }, reloadTemplates });
      visitor = app.newClient();
      signedIn = app.newClient();
      await signIn(app, signedIn);
    });
    after(() => app.close());
    afterEach(() => mock.restoreAll());

    for (const [name, path, status, who] of PAGES) {
      it(`GET ${path} (${name}), rendered again 3 times, ${reloadTemplates ? "re-reads its templates every time" : "reads no template and checks no file"}, and sends no ETag`, async () => {
        const client = who === "visitor" ? visitor : signedIn;
        const first = await client.get(`${app.baseUrl}${path}`);
        assert.equal(first.status, status);

        const { reads, checks } = await diskAccessDuring(async () => {
          for (let i = 0; i < 3; i += 1) {
            const again = await client.get(`${app.baseUrl}${path}`);
            assert.equal(again.status, status);
            assert.equal(again.headers.etag, undefined, "no ETag on a no-store page");
          }
        });

        if (reloadTemplates) {
          // The page's own template and the layout, each time.
          assert.equal(reads.length, 6, `templates read: ${reads.join(", ")}`);
          assert.equal(reads.filter((file) => file.endsWith(`/${LAYOUT_FILE}`)).length, 3);
        } else {
          assert.deepEqual(reads, [], "templates read after the first render");
          assert.equal(checks, 0, "file-system checks per render");
        }
      });
    }
  });
}

/** Renders `view` with the app's engine (a real Express app), over the views folder `viewsDir`. */
function renderWith(viewsDir: string, view: string, locals: object, reload = false): Promise<string> {
  const app = express();
  useTemplates(app, { viewsDir, reload });
  return new Promise((resolve, reject) => {
    app.render(view, locals, (err: Error | null, html?: string) => (err ? reject(err) : resolve(html!)));
  });
}

describe("the template engine", () => {
  const scratch = fs.mkdtempSync(join(tmpdir(), "views-"));
  before(() => {
    fs.writeFileSync(join(scratch, LAYOUT_FILE), "<title><%= title %></title><main><%- body -%></main>");
    fs.writeFileSync(join(scratch, "page.ejs"), "<p><%= message %></p>\n");
    fs.writeFileSync(join(scratch, "unlisted.ejs"), "<p><%= notAViewLocal %></p>");
    fs.writeFileSync(join(scratch, "throws.ejs"), "<% throw new Error('the view failed') %>");
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("wraps the page in the layout", async () => {
    assert.equal(
      await renderWith(scratch, "page", { title: "T", message: "hello" }),
      "<title>T</title><main><p>hello</p>\n</main>",
    );
  });

  const hostile: [string, string][] = [
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ['"><img src=x onerror=alert(1)>', "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"],
    ["' onmouseover='x", "&#39; onmouseover=&#39;x"],
    ["a & b", "a &amp; b"],
    ["</main><main>", "&lt;/main&gt;&lt;main&gt;"],
  ];
  for (const [text, escaped] of hostile) {
    it(`escapes ${JSON.stringify(text)} in the page and in the layout`, async () => {
      const html = await renderWith(scratch, "page", { title: text, message: text });
      assert.equal(html, `<title>${escaped}</title><main><p>${escaped}</p>\n</main>`);
    });
  }

  for (const [name, title] of [
    ["no title", undefined],
    ["an empty title", ""],
    ["a title that is not text", 42],
  ] as const) {
    it(`refuses a page with ${name}: a route that forgot it fails, rather than showing "undefined"`, async () => {
      await assert.rejects(renderWith(scratch, "page", { title, message: "m" }), /rendered without a title/);
    });
  }

  for (const reload of [false, true]) {
    it(`a view that reads a name missing from VIEW_LOCALS fails its render (reload ${reload})`, async () => {
      await assert.rejects(
        renderWith(scratch, "unlisted", { title: "T" }, reload),
        /notAViewLocal is not defined/,
      );
    });

    it(`a view that throws fails its render instead of the process (reload ${reload})`, async () => {
      await assert.rejects(renderWith(scratch, "throws", { title: "T" }, reload), /the view failed/);
    });
  }

  describe("res.render, over HTTP", () => {
    // EJS puts the view's file and line above a view's own message.
    const lastLine = (err: Error | null) => err?.message.split("\n").at(-1);
    let server: Server;
    let baseUrl: string;
    before(async () => {
      const app = express();
      useTemplates(app, { viewsDir: scratch, reload: false });
      app.locals.message = "from app.locals";
      app.use((_req, res, next) => {
        res.locals.title = "from res.locals";
        next();
      });
      app.get("/plain", (_req, res) => {
        res.render("page", { title: "Plain" });
      });
      app.get("/non-ascii", (_req, res) => {
        res.render("page", { title: "Tenant — test", message: "café ✓ 東京" });
      });
      app.get("/from-res-locals", (_req, res) => {
        res.render("page");
      });
      app.get("/status", (_req, res) => {
        res.status(404).render("page", { title: "Not here" });
      });
      app.get("/callback", (_req, res) => {
        res.render("page", { title: "T", message: "m" }, (err, html) => {
          res.type("text/plain").send(`callback got ${err ? "an error" : `${html?.length} characters`}`);
        });
      });
      app.get("/callback-only", (_req, res) => {
        res.render("page", (err: Error | null, html?: string) => {
          res.type("text/plain").send(`callback got ${err ? "an error" : html}`);
        });
      });
      app.get("/callback-error", (_req, res) => {
        res.render("throws", { title: "T" }, (err) => {
          res.type("text/plain").send(`callback got ${lastLine(err)}`);
        });
      });
      app.get("/error", (_req, res) => {
        res.render("throws", { title: "T" });
      });
      app.get("/untitled", (_req, res) => {
        res.render("page", { title: "" });
      });
      const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
        res
          .status(500)
          .type("text/plain")
          .send(`error handler: ${lastLine(err)}`);
      };
      app.use(onError);
      server = createServer(app);
      baseUrl = await listenOnLoopback(server);
    });
    after(() => closeNow(server));

    // [path, status, body, content type]
    const cases: [string, number, string, string][] = [
      [
        "/plain",
        200,
        "<title>Plain</title><main><p>from app.locals</p>\n</main>",
        "text/html; charset=utf-8",
      ],
      [
        "/non-ascii",
        200,
        "<title>Tenant — test</title><main><p>café ✓ 東京</p>\n</main>",
        "text/html; charset=utf-8",
      ],
      [
        "/from-res-locals",
        200,
        "<title>from res.locals</title><main><p>from app.locals</p>\n</main>",
        "text/html; charset=utf-8",
      ],
      [
        "/status",
        404,
        "<title>Not here</title><main><p>from app.locals</p>\n</main>",
        "text/html; charset=utf-8",
      ],
      ["/callback", 200, "callback got 38 characters", "text/plain; charset=utf-8"],
      [
        "/callback-only",
        200,
        "callback got <title>from res.locals</title><main><p>from app.locals</p>\n</main>",
        "text/plain; charset=utf-8",
      ],
      ["/callback-error", 200, "callback got the view failed", "text/plain; charset=utf-8"],
      ["/error", 500, "error handler: the view failed", "text/plain; charset=utf-8"],
      [
        "/untitled",
        500,
        `error handler: the view ${join(scratch, "page.ejs")} was rendered without a title`,
        "text/plain; charset=utf-8",
      ],
    ];
    for (const [path, status, body, type] of cases) {
      it(`GET ${path}: ${status}, ${JSON.stringify(body.slice(0, 60))}`, async () => {
        const response = await fetch(`${baseUrl}${path}`);
        const bytes = Buffer.from(await response.arrayBuffer());

        assert.equal(response.status, status);
        assert.equal(bytes.toString("utf8"), body);
        assert.equal(response.headers.get("content-type"), type);
        assert.equal(response.headers.get("content-length"), String(bytes.length), "the length in bytes");
      });
    }

    for (const path of ["/plain", "/non-ascii"]) {
      it(`HEAD ${path}: the same headers as GET, and no body`, async () => {
        const get = await fetch(`${baseUrl}${path}`);
        await get.arrayBuffer();
        const head = await fetch(`${baseUrl}${path}`, { method: "HEAD" });

        assert.equal(head.status, 200);
        assert.equal(await head.text(), "");
        for (const name of ["content-type", "content-length"]) {
          assert.equal(head.headers.get(name), get.headers.get(name), name);
        }
      });
    }
  });

  it("every view of the app compiles in strict mode with VIEW_LOCALS, and none includes another", () => {
    const viewsDir = projectPaths().views;
    const files = fs
      .readdirSync(viewsDir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ejs"));
    assert.ok(files.length >= 7, `views found: ${files.join(", ")}`);
    for (const file of files) {
      const source = fs.readFileSync(join(viewsDir, file), "utf8");
      assert.doesNotThrow(
        () => ejs.compile(source, { strict: true, destructuredLocals: [...VIEW_LOCALS], filename: file }),
        file,
      );
      assert.doesNotMatch(source, /include\(/, `${file}: the layout is the engine's, not an include`);
    }
  });
});
