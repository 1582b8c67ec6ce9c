/**
 * Entra's front-channel sign-out, end to end in real headless Chromium, offline: two apps registered in
 * one tenant, each with its front-channel logout URL; a person signs in to both (the second by single
 * sign-on, so both ID tokens carry the same `sid`), then signs out of the first. The tenant's sign-out
 * page loads the second app's URL in a hidden iframe, and the second app ends its session without any
 * cookie of its own (the iframe is another site than the page around it).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchChromium, signInInBrowser } from "../support/chromium.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";

describe("front-channel sign-out in the browser", () => {
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    // Two hosts, so that the apps' cookies (both named "sid") do not overwrite each other.
    first = await startTestApp({ appHost: "localhost" });
    second = await startTestApp({ appHost: "127.0.0.1", sameTenantAs: first });
    browser = await launchChromium(first);
  });
  after(async () => {
    await browser?.close();
    await second?.close();
    await first?.close();
  });

  it("signing out of one app, through the tenant's sign-out page, signs the same browser out of the other", async () => {
    const [one, two] = [first!, second!];
    const user = one.tenant.users[1]!;
    const context = await browser!.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const frontChannelRequests: { url: string; cookie: string | undefined }[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(`${two.baseUrl}/auth/frontchannel-logout`)) {
        frontChannelRequests.push({ url: request.url(), cookie: request.headers().cookie });
      }
    });
    await signInInBrowser(page, one, user.oid);
    // Single sign-on: the tenant asks nothing and sends the browser straight back to the second app.
    await page.goto(`${two.baseUrl}/auth/signin?returnTo=%2Fsession`);
    await page.waitForURL(`${two.baseUrl}/session`);
    assert.equal(two.tenant.counters.logout, 0);

    await page.goto(`${one.baseUrl}/`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${one.baseUrl}/`);

    assert.equal(frontChannelRequests.length, 1, "the tenant's page loaded the second app's URL once");
    const loaded = new URL(frontChannelRequests[0]!.url);
    assert.match(loaded.searchParams.get("sid") ?? "", /^[0-9a-f-]{36}$/);
    assert.ok(
      !/(^|;\s*)sid=/.test(frontChannelRequests[0]!.cookie ?? ""),
      "no session cookie of the app was sent",
    );
    await page.goto(`${two.baseUrl}/session`);
    await page.waitForURL((url) => url.href.startsWith(two.tenant.cloudInstance));
    assert.match(
      (await page.textContent("body")) ?? "",
      /Local test tenant/,
      "the second app asks for a sign-in",
    );
    await context.close();
  });
});
