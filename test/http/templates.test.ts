/**
 * Pages are rendered from templates compiled once per process, with no disk access per render,
 * whatever NODE_ENV says (`npm start` runs as development by default); only `npm run dev`
 * (reloadTemplates) re-reads them. And pages carry no ETag: they are no-store, so nothing would
 * revalidate one, and computing it hashes every body.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import ejsModule from "ejs";
import { after, afterEach, before, describe, it, mock } from "node:test";
import { projectPaths } from "../../src/paths.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

/** The EJS instance the app renders with (src/pages/templateEngine.ts); its file loader is a documented hook. */
const ejs = ejsModule as unknown as { fileLoader: (path: string) => Buffer };

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
          // The page's own template and its two partials, each time.
          assert.ok(reads.length >= 9, `templates read: ${reads.length}`);
          assert.ok(reads.some((file) => file.endsWith("top.ejs")));
        } else {
          assert.deepEqual(reads, [], "templates read after the first render");
          assert.equal(checks, 0, "file-system checks per render");
        }
      });
    }
  });
}

describe("the templates", () => {
  it("every include in views/ names its file from the views root, so that no render checks the disk", () => {
    const viewsDir = projectPaths().views;
    const files = fs
      .readdirSync(viewsDir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ejs"));
    const includes = files.flatMap((file) =>
      [...fs.readFileSync(`${viewsDir}/${file}`, "utf8").matchAll(/include\(\s*(['"`])(.*?)\1/g)].map(
        (match) => ({ file, target: match[2]! }),
      ),
    );

    assert.ok(includes.length >= 12, `includes found: ${includes.length}`);
    assert.deepEqual(
      includes.filter(({ target }) => !target.startsWith("/")),
      [],
    );
  });
});
