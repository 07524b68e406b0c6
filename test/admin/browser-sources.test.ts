/**
 * The corpus page's web sources in a real headless Chromium against the real service and a course
 * website on 127.0.0.1: the list (last fetch, status, next sync), "Sync now", and adding a source.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";
import { type SourceSite, startSourceSite } from "../helpers/source-site.ts";
import { type Browser, launchSignedIn } from "./browser.ts";

let site: SourceSite;
let ta: TestService;
let browser: Browser;
let sourcesDir: string;

const page = (text: string) =>
  `<html><body><nav>選單</nav><main><h2 id="news">最新消息</h2><p>${text}</p></main></body></html>`;

beforeAll(async () => {
  site = await startSourceSite();
  site.pages.set("/news.html", { etag: "n1", body: page("第一次作業公布於九月十日。") });
  site.pages.set("/rules.html", { body: page("期中考採開書考。") });
  sourcesDir = mkdtempSync(join(tmpdir(), "sources-list-"));
  const file = join(sourcesDir, "sources.yaml");
  writeFileSync(file, `- url: ${site.baseUrl}/news.html\n  title: 課程公告\n  every: 6h\n`);
  ta = await startTestService({
    env: { CORPUS_SOURCES: file, SOURCES_ALLOW_PRIVATE: "true", EMBED_MODEL: "none" },
  });
  browser = await launchSignedIn(ta.url, ta.adminToken);
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await ta?.close();
    await site?.close();
    rmSync(sourcesDir, { recursive: true, force: true });
  }
});

describe("web sources on the admin corpus page", () => {
  test("lists sources, syncs now, adds one", async () => {
    const { page: tab } = browser;
    await tab.goto(`${ta.url}/admin/corpus`);
    const news = tab.locator(`#source-list tr[data-url="${site.baseUrl}/news.html"]`);
    await expect(news.locator(".source-status").textContent()).resolves.toContain("ok");
    await expect(news.textContent()).resolves.toContain("every 6h");
    expect(await news.locator("td[data-label='Last fetch']").textContent()).not.toBe("never");
    expect(await news.locator("td[data-label='Next sync']").textContent()).not.toBe("due now");
    // The page the service fetched at start is a document, without a Delete button.
    const document = tab.locator(`#documents tr[data-path="${site.baseUrl}/news.html"]`);
    await expect(document.textContent()).resolves.toContain("課程公告");
    expect(await document.locator("button").count()).toBe(0);

    site.pages.set("/news.html", { etag: "n2", body: page("第一次作業延到九月十七日公布。") });
    await tab.click("#sync-sources button[type=submit]");
    await tab.waitForURL(/notice=/);
    await expect(tab.textContent(".notice")).resolves.toMatch(/synced the web sources: 1 updated/);
    await browser.screenshot("corpus-sources");

    await tab.fill("#add-source input[name=url]", `${site.baseUrl}/rules.html`);
    await tab.fill("#add-source input[name=every]", "1d");
    await tab.click("#add-source button[type=submit]");
    await tab.waitForURL(/notice=/);
    await expect(tab.textContent(".notice")).resolves.toMatch(
      /added .*rules\.html; synced the web sources: 1 added/,
    );
    await expect(
      tab.locator(`#source-list tr[data-url="${site.baseUrl}/rules.html"]`).textContent(),
    ).resolves.toContain("every 1d");

    await tab.fill("#add-source input[name=url]", "ftp://files.example.edu/");
    await tab.click("#add-source button[type=submit]");
    await expect(tab.textContent(".notice")).resolves.toMatch(/url .*not an http: or https: URL/);
    await tab.fill("#add-source input[name=url]", `${site.baseUrl}/rules.html`);
    await tab.click("#add-source button[type=submit]");
    await expect(tab.textContent(".notice")).resolves.toMatch(/already a source/);
  }, 90_000);
});
