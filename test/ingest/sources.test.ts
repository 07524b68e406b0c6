/**
 * Web sources against a real HTTP server on 127.0.0.1 and a real LanceDB: ETag and 304, a changed
 * page, a 404 that becomes a removal, a slow page, an oversized page, a sitemap and a redirect, all
 * ingested in the same commit as the corpus folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IngestSummary, ingestCorpus } from "../../src/ingest/ingest.ts";
import { fetchSource } from "../../src/ingest/sources/fetch-source.ts";
import type { SourceEntry } from "../../src/ingest/sources/source-list.ts";
import { SourceSync } from "../../src/ingest/sources/sync.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import {
  ChunkStore,
  type Database,
  IngestLog,
  openDatabase,
  SourceStateStore,
} from "../../src/store/index.ts";
import { writePptx } from "../helpers/course-files.ts";
import { type SourceSite, startSourceSite } from "../helpers/source-site.ts";

const FETCH = { timeoutMs: 800, maxBytes: 50_000, userAgent: "course-ai-ta-test", allowPrivate: true };
const page = (title: string, main: string) =>
  `<html><head><title>${title}</title></head><body><nav>網站導覽</nav><main>${main}</main><footer>頁尾</footer></body></html>`;

describe("web sources", () => {
  let site: SourceSite;
  let root: string;
  let database: Database;
  let chunks: ChunkStore;
  let log: IngestLog;
  let states: SourceStateStore;
  let entries: SourceEntry[];
  let sources: SourceSync;
  const entry = (path: string, title?: string): SourceEntry => ({
    url: `${site.baseUrl}${path}`,
    everyMs: 3_600_000,
    every: "",
    ...(title ? { title } : {}),
  });
  const ingest = (mode: "all" | "due" = "all"): Promise<IngestSummary> =>
    ingestCorpus({ corpusDir: join(root, "corpus"), chunks, log, embedder: null, sources, sourceMode: mode });
  const search = (question: string) => createRetriever({ chunks, embedder: null }).retrieve(question);
  const sourcesTableVersion = async () => (await database.openTable("sources")).version();

  beforeAll(async () => {
    site = await startSourceSite();
    root = mkdtempSync(join(tmpdir(), "sources-test-"));
    mkdirSync(join(root, "corpus"));
    writeFileSync(join(root, "corpus", "syllabus.md"), "# 課程大綱\n\n期末專題佔百分之四十。\n");
    database = await openDatabase(join(root, "data"));
    chunks = await ChunkStore.open(database);
    log = await IngestLog.open(database);
    states = await SourceStateStore.open(database);

    site.pages.set("/hw1.html", {
      etag: "hw1-v1",
      body: page(
        "作業一",
        `<h1>作業一</h1><h2 id="deadline">繳交期限</h2><p>作業一在十月一日午夜前繳交。</p>`,
      ),
    });
    site.pages.set("/announce.html", {
      body: page("公告", "<h2>停課公告</h2><p>十一月五日颱風停課一次。</p>"),
    });
    site.pages.set("/slow.html", { delayMs: 5_000, body: page("慢", "<p>很慢的頁面</p>") });
    site.pages.set("/big.html", { body: page("大", `<p>${"很大的頁面".repeat(20_000)}</p>`) });
    site.pages.set("/old-faq", { location: "/faq.html" });
    site.pages.set("/faq.html", {
      body: page("常見問題", `<h2 id="makeup">補考</h2><p>因病缺考可申請補考。</p>`),
    });
    site.pages.set("/slides/week2.pptx", {
      contentType: "application/octet-stream",
      body: await writePptx([{ title: "第二講", body: ["提示工程的基本技巧"] }]),
    });
    site.pages.set("/sitemap.xml", {
      contentType: "application/xml",
      etag: "map-v1",
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>${site.baseUrl}/site/a.html</loc></url><url><loc>${site.baseUrl}/site/b.html</loc></url>
        <url><loc>http://elsewhere.example/x.html</loc></url></urlset>`,
    });
    site.pages.set("/site/a.html", {
      etag: "a1",
      body: page("A", "<h2>甲頁</h2><p>甲頁介紹注意力機制。</p>"),
    });
    site.pages.set("/site/b.html", {
      lastModified: "Tue, 01 Sep 2026 08:00:00 GMT",
      body: page("B", "<h2>乙頁</h2><p>乙頁介紹位置編碼。</p>"),
    });

    entries = [
      entry("/hw1.html", "HW1 說明"),
      entry("/announce.html"),
      entry("/slow.html"),
      entry("/big.html"),
      entry("/old-faq"),
      entry("/slides/week2.pptx"),
      entry("/sitemap.xml"),
    ];
    sources = new SourceSync({ entries: async () => entries, store: states, fetch: FETCH, missLimit: 2 });
  });
  afterAll(async () => {
    await site.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("ingests the folder and every source in one commit; failures are named with their reason", async () => {
    const summary = await ingest();
    const url = (path: string) => `${site.baseUrl}${path}`;
    expect(summary.added.sort()).toEqual(
      [
        "syllabus.md",
        url("/hw1.html"),
        url("/announce.html"),
        url("/old-faq"),
        url("/slides/week2.pptx"),
        url("/site/a.html"),
        url("/site/b.html"),
      ].sort(),
    );
    const reasons = Object.fromEntries(summary.failed.map((failure) => [failure.path, failure.reason]));
    expect(reasons[url("/slow.html")]).toMatch(/timed out/);
    expect(reasons[url("/big.html")]).toMatch(/too large/);
    expect(Object.keys(reasons)).toHaveLength(2);
    expect(await log.list()).toHaveLength(1); // one corpus version for the folder and the web
    expect(site.requests.some((request) => request.path.includes("elsewhere"))).toBe(false);
    expect(site.requests.every((request) => request.userAgent === "course-ai-ta-test")).toBe(true);
    // At most 3 requests at a time (the default), though 9 pages were fetched.
    expect(site.maxInFlight()).toBeGreaterThan(1);
    expect(site.maxInFlight()).toBeLessThanOrEqual(3);

    const deadline = (await search("作業一 繳交期限")).passages[0]!.chunk;
    expect(deadline).toMatchObject({
      documentPath: url("/hw1.html"),
      title: "HW1 說明",
      location: "繳交期限",
      link: url("/hw1.html#deadline"),
    });
    expect(deadline.text).not.toContain("網站導覽");
    // A redirect is followed; the passage links where the page now lives.
    expect((await search("補考")).passages[0]!.chunk).toMatchObject({
      documentPath: url("/old-faq"),
      link: url("/faq.html#makeup"),
    });
    expect((await search("提示工程")).passages[0]!.chunk).toMatchObject({
      documentPath: url("/slides/week2.pptx"),
      location: "第 1 張投影片",
    });
    expect((await search("位置編碼")).passages[0]!.chunk.documentPath).toBe(url("/site/b.html"));
  });

  it("asks with If-None-Match / If-Modified-Since, and a re-run with nothing changed writes nothing", async () => {
    const chunkVersion = await chunks.version();
    const stateVersion = await sourcesTableVersion();
    site.requests.length = 0;
    const summary = await ingest();
    expect(summary.added).toEqual([]);
    expect(summary.updated).toEqual([]);
    expect(summary.chunksWritten).toBe(0);
    expect(await chunks.version()).toBe(chunkVersion);
    expect(await sourcesTableVersion()).toBe(stateVersion);
    expect(await log.list()).toHaveLength(1);
    const hw1 = site.requests.find((request) => request.path === "/hw1.html");
    expect(hw1?.ifNoneMatch).toBe('"hw1-v1"');
    const pageB = site.requests.find((request) => request.path === "/site/b.html");
    expect(pageB?.ifModifiedSince).toBe("Tue, 01 Sep 2026 08:00:00 GMT");
  });

  it("re-ingests a changed page and keeps the rest", async () => {
    site.pages.set("/hw1.html", {
      etag: "hw1-v2",
      body: page("作業一", `<h2 id="deadline">繳交期限</h2><p>作業一延後到十月八日午夜前繳交。</p>`),
    });
    const summary = await ingest();
    expect(summary.updated).toEqual([`${site.baseUrl}/hw1.html`]);
    expect((await search("延後 十月八日")).passages[0]!.chunk.documentPath).toBe(`${site.baseUrl}/hw1.html`);
  });

  it("keeps a 404 page's last good version, then removes it after the configured misses in a row", async () => {
    const announce = `${site.baseUrl}/announce.html`;
    site.pages.delete("/announce.html");
    const first = await ingest();
    expect(first.failed.find((failure) => failure.path === announce)?.reason).toMatch(/HTTP 404 \(1 of 2/);
    expect((await search("颱風停課")).passages[0]!.chunk.documentPath).toBe(announce);
    const second = await ingest();
    expect(second.removed).toContain(announce);
    expect(second.gone).toEqual([{ path: announce, reason: expect.stringMatching(/404 2 times in a row/) }]);
    expect((await search("颱風停課")).passages.some((hit) => hit.chunk.documentPath === announce)).toBe(
      false,
    );
  });

  it("removes a page its sitemap no longer lists, and a source taken off the list", async () => {
    site.pages.set("/sitemap.xml", {
      contentType: "application/xml",
      etag: "map-v2",
      body: `<urlset><url><loc>${site.baseUrl}/site/a.html</loc></url></urlset>`,
    });
    entries = entries.filter((item) => !item.url.endsWith("/slides/week2.pptx"));
    const summary = await ingest();
    expect(summary.removed.sort()).toEqual(
      [`${site.baseUrl}/site/b.html`, `${site.baseUrl}/slides/week2.pptx`].sort(),
    );
    expect((await chunks.listDocuments()).map((doc) => doc.documentPath)).toContain(
      `${site.baseUrl}/site/a.html`,
    );
  });

  it("follows a sitemap index to its sitemaps; a sitemap that fails keeps its pages", async () => {
    const url = (path: string) => `${site.baseUrl}${path}`;
    const urlset = (...paths: string[]) =>
      `<urlset>${paths.map((path) => `<url><loc>${url(path)}</loc></url>`).join("")}</urlset>`;
    site.pages.set("/sitemap-index.xml", {
      contentType: "application/xml",
      body: `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>${url("/maps/one.xml")}</loc></sitemap><sitemap><loc>${url("/maps/two.xml")}</loc></sitemap>
        <sitemap><loc>http://elsewhere.example/map.xml</loc></sitemap></sitemapindex>`,
    });
    site.pages.set("/maps/one.xml", { contentType: "application/xml", body: urlset("/site/c.html") });
    site.pages.set("/maps/two.xml", { contentType: "application/xml", body: urlset("/site/d.html") });
    site.pages.set("/site/c.html", { body: page("C", "<h2>丙頁</h2><p>丙頁介紹殘差連接。</p>") });
    site.pages.set("/site/d.html", { body: page("D", "<h2>丁頁</h2><p>丁頁介紹層正規化。</p>") });
    entries = [...entries, entry("/sitemap-index.xml")];
    const first = await ingest();
    expect(first.added.sort()).toEqual([url("/site/c.html"), url("/site/d.html")]);
    expect((await search("層正規化")).passages[0]!.chunk.documentPath).toBe(url("/site/d.html"));

    site.pages.set("/maps/two.xml", { status: 500, body: "oops" });
    const failing = await ingest();
    expect(failing.failed).toContainEqual({
      path: url("/maps/two.xml"),
      reason: expect.stringMatching(/sitemap listed in the index: HTTP 500/),
    });
    expect(failing.removed).toEqual([]);
    expect((await search("層正規化")).passages[0]!.chunk.documentPath).toBe(url("/site/d.html"));

    site.pages.set("/sitemap-index.xml", {
      contentType: "application/xml",
      body: `<sitemapindex><sitemap><loc>${url("/maps/one.xml")}</loc></sitemap></sitemapindex>`,
    });
    const dropped = await ingest();
    expect(dropped.removed).toEqual([url("/site/d.html")]);
    expect(site.requests.some((request) => request.path.includes("elsewhere"))).toBe(false);
  });

  it("checks only the due sources when the schedule runs, each on its own `every`", async () => {
    let now = Date.parse("2026-10-01T00:00:00Z");
    const scheduled = new SourceSync({
      entries: async () => [
        { ...entry("/site/a.html"), everyMs: 60_000 },
        { ...entry("/faq.html"), everyMs: 600_000 },
      ],
      store: states,
      fetch: FETCH,
      missLimit: 2,
      now: () => new Date(now),
    });
    expect((await scheduled.dueEntries()).length).toBe(2); // everything once after start
    await scheduled.commit(await scheduled.collect("due", new Set(), false));
    expect(await scheduled.dueEntries()).toEqual([]);
    expect(await scheduled.msUntilNextDue()).toBe(60_000);
    now += 61_000;
    expect((await scheduled.dueEntries()).map((item) => item.url)).toEqual([`${site.baseUrl}/site/a.html`]);
    const status = await scheduled.status();
    expect(status[1]).toMatchObject({ url: `${site.baseUrl}/faq.html`, status: "ok" });
    expect(status[1]!.nextSync).toBe(new Date(Date.parse("2026-10-01T00:10:00Z")).toISOString());
  });
});

describe("fetchSource refuses internal addresses unless allowed", () => {
  let site: SourceSite;
  beforeAll(async () => {
    site = await startSourceSite();
    site.pages.set("/p.html", { body: "<p>hi</p>" });
    site.pages.set("/to-ftp", { location: "ftp://example.org/file" });
  });
  afterAll(() => site.close());
  const strict = { ...FETCH, allowPrivate: false };

  it("checks an address literal and what a host name resolves to", async () => {
    await expect(fetchSource(`${site.baseUrl}/p.html`, {}, strict)).rejects.toThrow(
      /127\.0\.0\.1 is a private, loopback or link-local address/,
    );
    const port = new URL(site.baseUrl).port;
    await expect(fetchSource(`http://localhost:${port}/p.html`, {}, strict)).rejects.toThrow(
      /localhost resolves to (127\.0\.0\.1|::1), a private/,
    );
    await expect(fetchSource("http://[::1]/", {}, strict)).rejects.toThrow(/::1 is a private/);
    await expect(fetchSource("http://169.254.169.254/latest/meta-data", {}, strict)).rejects.toThrow(
      /link-local/,
    );
    expect(site.requests).toHaveLength(0);
  });

  it("refuses a redirect to something that is not http or https", async () => {
    await expect(fetchSource(`${site.baseUrl}/to-ftp`, {}, FETCH)).rejects.toThrow(
      /not an http: or https: URL/,
    );
  });
});
