/** Headless Debian Chromium driven by playwright-core, for the admin page's browser tests. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const ARTIFACTS_DIR = resolve("test-artifacts/admin");

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Saves a screenshot (full page unless `fullPage: false`) to test-artifacts/admin/<name>.png. */
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** A fresh profile each time; fails loudly when Chromium is missing (CI installs the Debian package). */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "admin-chromium-"));
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 900 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`could not start ${CHROMIUM_PATH} (apt-get install -y chromium): ${String(error)}`);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  return {
    context,
    page,
    screenshot: async (name, options) => {
      await page.screenshot({
        path: join(ARTIFACTS_DIR, `${name}.png`),
        fullPage: options?.fullPage ?? true,
      });
    },
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

export const PHONE_VIEWPORT = { width: 390, height: 844 };
export const DESKTOP_VIEWPORT = { width: 1280, height: 900 };

/** A browser signed in to the admin page of the service at `baseUrl` (lands on the dashboard). */
export async function launchSignedIn(baseUrl: string, adminToken: string): Promise<Browser> {
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    await page.goto(`${baseUrl}/admin/login`);
    await page.fill("input[name=token]", adminToken);
    await page.click("#login button[type=submit]");
    await page.waitForURL(/\/admin$/);
    return browser;
  } catch (error) {
    await browser.close();
    throw error;
  }
}
