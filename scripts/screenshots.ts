/**
 * `npm run screenshots`: renders the home, profile and session pages of a signed-in test user in
 * headless Chromium against the local tenant, at a desktop and a phone width, into docs/screenshots/
 * (the README shows them). Run it again after changing the pages.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { signInInBrowser, startAppInChromium, stopAppInChromium } from "../test/support/chromium.js";
import { projectPaths } from "../src/paths.js";

const OUT = join(projectPaths().root, "docs", "screenshots");
const SIZES = [
  ["desktop", { width: 1200, height: 820 }],
  ["phone", { width: 390, height: 844 }],
] as const;

const { app, browser } = await startAppInChromium();
try {
  mkdirSync(OUT, { recursive: true });
  for (const [size, viewport] of SIZES) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await signInInBrowser(page, app, app.tenant.users[0]!.oid);
    for (const name of ["home", "profile", "session"]) {
      await page.goto(`${app.baseUrl}/${name === "home" ? "" : name}`);
      await page.screenshot({ path: join(OUT, `${name}-${size}.png`), fullPage: true });
      process.stdout.write(`wrote docs/screenshots/${name}-${size}.png\n`);
    }
    await context.close();
  }
} finally {
  await stopAppInChromium({ app, browser });
}
