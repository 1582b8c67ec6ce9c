/**
 * Per-user content in one browser shared by two people (real headless Chromium): nothing of the first
 * person is kept in the browser's cache, neither while they are signed in nor after they sign out, and
 * the second, signing in on the same browser, is shown their own photo (or their initials), never the
 * first one's. The "not cached" check runs before sign-out too, so it proves `no-store` by itself,
 * without the help of the sign-out's Clear-Site-Data.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { signInInBrowser, startAppInChromium, stopAppInChromium } from "../support/chromium.js";
import type { TestApp } from "../support/testApp.js";

/** What the browser would answer from its cache alone (no network): a status, or "not cached". */
function fromCacheOnly(page: Page, path: string): Promise<number | string> {
  return page.evaluate(
    (url) =>
      // Runs in Chromium, whose RequestInit has `cache`; Node's type (used to compile this) has not.
      fetch(url, { cache: "only-if-cached", mode: "same-origin" } as RequestInit).then(
        (response) => response.status,
        () => "not cached",
      ),
    path,
  );
}

interface Pixels {
  width: number;
  height: number;
  /** The image drawn on a canvas at its natural size, as a PNG data URL. */
  dataUrl: string;
}

// Evaluated in the page from a string: this project's TypeScript has no DOM types.
const DRAW = `async (img) => {
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  canvas.getContext("2d").drawImage(img, 0, 0);
  return { width: img.naturalWidth, height: img.naturalHeight, dataUrl: canvas.toDataURL() };
}`;

/** The pixels of the photo the profile page shows. */
function photoShown(page: Page): Promise<Pixels> {
  return page.evaluate<Pixels>(`(${DRAW})(document.querySelector("img.avatar"))`);
}

/**
 * The pixels of the photo the app serves the signed-in person now: fetched with the context's cookies
 * but outside the browser's HTTP cache, and drawn in the page (a data: URL, which the CSP allows).
 */
async function photoServed(page: Page, context: BrowserContext, app: TestApp): Promise<Pixels> {
  const response = await context.request.get(`${app.baseUrl}/profile/photo`);
  assert.equal(response.status(), 200);
  const dataUrl = `data:${response.headers()["content-type"]};base64,${(await response.body()).toString("base64")}`;
  return page.evaluate<Pixels>(
    `(() => { const img = new Image(); img.src = ${JSON.stringify(dataUrl)}; return (${DRAW})(img); })()`,
  );
}

describe("per-user content in a shared browser", () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    ({ app, browser } = await startAppInChromium());
  });
  after(() => stopAppInChromium({ app, browser }));

  // Adele Vance's photo is 96 px, Megan Bowen's 120 px; Alex Wilber has none (his initials are shown).
  const cases: [second: string, index: number, width: number][] = [
    ["a person with a photo", 2, 120],
    ["a person without a photo (initials)", 1, 96],
  ];
  for (const [second, index, width] of cases) {
    it(`GET /profile/photo, when ${second} signs in after another signed out on the same browser, shows their own picture`, async () => {
      const first = app.tenant.users[0]!;
      const next = app.tenant.users[index]!;
      assert.ok(first.hasPhoto && next.hasPhoto === width > 96, "the test users' photos");
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);

      await signInInBrowser(page, app, first.oid, "/profile");
      const firstPhoto = await photoShown(page);
      const whileSignedIn = await fromCacheOnly(page, "/profile/photo");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(`${app.baseUrl}/`);
      const afterSignOut = {
        photo: await fromCacheOnly(page, "/profile/photo"),
        profile: await fromCacheOnly(page, "/profile"),
      };
      const photoCalls = app.tenant.counters.graphPhoto;
      await signInInBrowser(page, app, next.oid, "/profile");
      const nextPhoto = await photoShown(page);
      const servedToNext = await photoServed(page, context, app);
      await context.close();

      assert.equal(whileSignedIn, "not cached", "the photo is never stored, even while signed in");
      assert.deepEqual(afterSignOut, { photo: "not cached", profile: "not cached" });
      assert.ok(app.tenant.counters.graphPhoto > photoCalls, "the next person's photo was asked of Graph");
      assert.equal(nextPhoto.width, width);
      assert.equal(nextPhoto.dataUrl, servedToNext.dataUrl, "the page shows what the app serves them");
      assert.notEqual(nextPhoto.dataUrl, firstPhoto.dataUrl, "not the first person's picture");
    });
  }
});
