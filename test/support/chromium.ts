/**
 * Launches Debian's headless Chromium (playwright-core, no browser download) trusting exactly the local
 * tenant's certificate by its SPKI hash, and signs a page in through the tenant's sign-in form.
 */
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { startTestApp } from "./testApp.js";
import type { TestApp } from "./testApp.js";

export function launchChromium(app: TestApp): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--ignore-certificate-errors-spki-list=${app.tenant.spkiSha256Base64}`,
    ],
  });
}

export async function signInInBrowser(
  page: Page,
  app: TestApp,
  userOid: string,
  returnTo = "/",
): Promise<void> {
  await page.goto(`${app.baseUrl}/auth/signin?returnTo=${encodeURIComponent(returnTo)}`);
  await page.locator(`button[name="user"][value="${userOid}"]`).click();
  try {
    await page.waitForURL(`${app.baseUrl}${returnTo}`);
  } catch (error) {
    // Say where the sign-in ended instead (an error page, the tenant's page), and what the app logged.
    const text = (
      await page
        .locator("body")
        .innerText()
        .catch(() => "")
    ).slice(0, 500);
    const logged = app.logLines.filter((line) => !line.includes('"level":30')).slice(-5);
    throw new Error(`sign-in ended at ${page.url()}: ${text}\napp log: ${logged.join("\n")}`, {
      cause: error,
    });
  }
}

/** The app on "localhost" (another site than the tenant on 127.0.0.1) with a Chromium that trusts the tenant. */
export async function startAppInChromium(): Promise<{ app: TestApp; browser: Browser }> {
  const app = await startTestApp({ appHost: "localhost" });
  try {
    return { app, browser: await launchChromium(app) };
  } catch (error) {
    await app.close();
    throw error;
  }
}

export async function stopAppInChromium(started: { app?: TestApp; browser?: Browser }): Promise<void> {
  await started.browser?.close();
  await started.app?.close();
}
