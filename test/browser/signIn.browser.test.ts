/**
 * The browser path in real headless Chromium (Debian's): home, sign in on the local tenant's page
 * (another site: https://127.0.0.1 vs http://localhost), the profile, sign out. The tenant's
 * certificate is trusted by its SPKI hash, not by ignoring certificate errors.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { startAppInChromium, stopAppInChromium } from "../support/chromium.js";
import type { TestApp } from "../support/testApp.js";

const ARTIFACTS = join(process.cwd(), "test-artifacts");

describe("the browser path", () => {
  let app: TestApp;
  let browser: Browser;

  before(async () => {
    ({ app, browser } = await startAppInChromium());
  });
  after(() => stopAppInChromium({ app, browser }));

  it("a person, from the home page, signs in on the tenant's page, sees their profile and signs out", async () => {
    const user = app.tenant.users[0]!;
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    await page.goto(`${app.baseUrl}/`);
    await page.getByRole("link", { name: "Sign in" }).first().click();
    await page.waitForURL((url) => url.href.startsWith(app.tenant.cloudInstance));
    assert.match((await page.textContent("body")) ?? "", /Local test tenant/);
    await page.locator(`button[name="user"][value="${user.oid}"]`).click();
    await page.waitForURL(`${app.baseUrl}/`);
    await page.getByRole("link", { name: /Microsoft Graph profile/ }).click();
    await page.waitForURL(`${app.baseUrl}/profile`);

    const heading = await page.getByRole("heading", { level: 1 }).textContent();
    assert.equal(heading?.trim(), user.displayName);
    assert.match(
      (await page.locator('dd[data-field="Job title"]').textContent()) ?? "",
      new RegExp(user.jobTitle ?? "—"),
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "profile.png"), fullPage: true });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${app.baseUrl}/`);
    assert.equal((await page.getByRole("link", { name: "Sign in" }).count()) > 0, true);
    assert.equal(app.tenant.counters.logout, 1);
    const cookies = await context.cookies(app.baseUrl);
    assert.equal(
      cookies.find((c) => c.name === "sid"),
      undefined,
      "the session cookie is gone",
    );
    await context.close();
  });

  it("a profile whose Graph fields hold HTML and script, in Chromium, is shown as text and runs nothing", async () => {
    const mallory = app.tenant.users.find((u) => u.displayName.includes("<script>"));
    assert.ok(mallory, "the tenant has a hostile test user");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    await page.goto(`${app.baseUrl}/auth/signin?returnTo=%2Fprofile`);
    await page.locator(`button[name="user"][value="${mallory.oid}"]`).click();
    await page.waitForURL(`${app.baseUrl}/profile`);
    await page.locator('dd[data-field="Office"]').hover();

    assert.deepEqual(dialogs, [], "no script ran");
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), mallory.displayName);
    assert.equal(await page.locator('dd[data-field="Job title"]').textContent(), mallory.jobTitle);
    assert.equal(
      await page.locator("main img:not(.avatar), main svg, main script, main b").count(),
      0,
      "no element was injected",
    );
    await context.close();
  });
});
