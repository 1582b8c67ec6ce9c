/**
 * Per-user content in one browser shared by two people (real headless Chromium): after the first
 * signs out, nothing of theirs can be served from the browser's cache, and the second, signing in on
 * the same browser, sees their own photo, fetched for them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
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

async function photoShownOnProfile(page: Page, app: TestApp): Promise<Buffer> {
  const photo = page.waitForResponse(`${app.baseUrl}/profile/photo`);
  await page.goto(`${app.baseUrl}/profile`);
  return (await photo).body();
}

describe("per-user content in a shared browser", () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    ({ app, browser } = await startAppInChromium());
  });
  after(() => stopAppInChromium({ app, browser }));

  it("the profile photo, after one person signs out and another signs in, is never the first one's", async () => {
    const [first, , second] = app.tenant.users;
    assert.ok(first?.hasPhoto && second?.hasPhoto, "two test users with photos");
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    await signInInBrowser(page, app, first.oid);
    const firstPhoto = await photoShownOnProfile(page, app);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${app.baseUrl}/`);
    const afterSignOut = {
      photo: await fromCacheOnly(page, "/profile/photo"),
      profile: await fromCacheOnly(page, "/profile"),
    };
    await signInInBrowser(page, app, second.oid);
    const photoCallsBefore = app.tenant.counters.graphPhoto;
    const secondPhoto = await photoShownOnProfile(page, app);

    assert.deepEqual(afterSignOut, { photo: "not cached", profile: "not cached" });
    assert.ok(app.tenant.counters.graphPhoto > photoCallsBefore, "the second person's photo came from Graph");
    assert.ok(firstPhoto.length > 0 && secondPhoto.length > 0);
    assert.notDeepEqual(secondPhoto, firstPhoto, "the second person sees their own photo");
    await context.close();
  });
});
