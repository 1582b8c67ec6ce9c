/**
 * Every page, at a phone and a desktop width, in headless Chromium, checked with axe-core: no serious
 * or critical accessibility violation. axe is injected with CSP bypassed in this test context only.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { signInInBrowser, startAppInChromium, stopAppInChromium } from "../support/chromium.js";
import type { TestApp } from "../support/testApp.js";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  // A string, evaluated in the page: this project's TypeScript has no DOM types.
  const violations = await page.evaluate<AxeViolation[]>("axe.run().then((result) => result.violations)");
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const VIEWPORTS = [
  ["phone", { width: 390, height: 844 }],
  ["desktop", { width: 1280, height: 800 }],
] as const;

describe("accessibility of every page", () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    ({ app, browser } = await startAppInChromium());
  });
  after(() => stopAppInChromium({ app, browser }));

  for (const [name, viewport] of VIEWPORTS) {
    it(`every page, at a ${name} width, has no serious or critical axe violation`, async () => {
      const context = await browser.newContext({ viewport, bypassCSP: true });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const found: Record<string, string[]> = {};

      const [user] = app.tenant.users;
      const assignAdmin = (members: string[]) =>
        app.tenant.updateClient(app.config.auth.clientId, {
          appRoles: [{ value: "Admin", memberOids: members }],
        });
      assignAdmin([]);
      await page.goto(`${app.baseUrl}/`);
      found["home, signed out"] = await seriousViolations(page);
      await page.goto(`${app.baseUrl}/nowhere`);
      found["error page"] = await seriousViolations(page);
      await signInInBrowser(page, app, user!.oid);
      found["home, signed in"] = await seriousViolations(page);
      await page.goto(`${app.baseUrl}/profile`);
      found.profile = await seriousViolations(page);
      await page.goto(`${app.baseUrl}/session`);
      found.session = await seriousViolations(page);
      // The first visit asks for Calendars.Read on the tenant's consent page (once per user).
      await page.goto(`${app.baseUrl}/calendar`);
      if (!page.url().startsWith(app.baseUrl)) {
        await page.locator('button[name="consent"][value="accept"]').click();
        await page.waitForURL(`${app.baseUrl}/calendar`);
      }
      assert.ok(await page.locator("li.event").count(), "the calendar lists events");
      found.calendar = await seriousViolations(page);
      const refused = await page.goto(`${app.baseUrl}/admin`);
      assert.equal(refused?.status(), 403);
      found["403 page"] = await seriousViolations(page);
      // With the role, through Switch account (the tenant's account picker), back to /admin.
      assignAdmin([user!.oid]);
      await page.goto(`${app.baseUrl}/auth/switch-account?returnTo=%2Fadmin`);
      await page.locator(`button[name="user"][value="${user!.oid}"]`).click();
      await page.waitForURL(`${app.baseUrl}/admin`);
      assert.ok(await page.getByRole("heading", { name: "Service state" }).count());
      found.admin = await seriousViolations(page);
      await context.close();

      assert.deepEqual(found, {
        "home, signed out": [],
        "error page": [],
        "home, signed in": [],
        profile: [],
        session: [],
        calendar: [],
        "403 page": [],
        admin: [],
      });
    });
  }

  it("the sign-out button, Switch account and the main links, from the keyboard alone, can be reached and used", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInInBrowser(page, app, app.tenant.users[0]!.oid);
    const reached: string[] = [];

    for (let i = 0; i < 10 && !reached.includes("Sign out"); i++) {
      await page.keyboard.press("Tab");
      reached.push(String(await page.evaluate("document.activeElement?.textContent ?? ''")).trim());
    }
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: "Sign in" }).first().waitFor({ timeout: 15_000 });

    assert.ok(reached.includes("Skip to content"), reached.join(" | "));
    assert.ok(reached.includes("Profile") && reached.includes("Session"), reached.join(" | "));
    assert.ok(reached.includes("Switch account"), reached.join(" | "));
    assert.equal(
      (await page.getByRole("link", { name: "Sign in" }).count()) > 0,
      true,
      "signed out with the keyboard",
    );
    await context.close();
  });
});
