/**
 * The trace pages in a real headless Chromium against the real service (tiny generated models):
 * a two-turn conversation's detail page, pagination over 60+ traces, and the phone layout.
 * Screenshots go to test-artifacts/admin/.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Trace } from "../../src/types.ts";
import { readSse, startTestService, type TestService } from "../helpers/service.ts";
import { type Browser, DESKTOP_VIEWPORT, launchSignedIn, PHONE_VIEWPORT } from "./browser.ts";
import { passage } from "./helpers.ts";

const FIRST_QUESTION = "top-p 取樣是什麼？";
const SECOND_QUESTION = "那 top-k 取樣和它有什麼不同？";
/** More than one page (50) of stored traces, all older than the real chats. */
const OLD_TRACE_COUNT = 62;
const OLD_TRACE_MARKER = "分頁測試";

let ta: TestService;
let browser: Browser;
let firstTraceId: string;
let secondTraceId: string;
let conversationId: string;
const oldTraces: Trace[] = [];

async function chat(
  message: string,
  conversation?: string,
): Promise<{ traceId: string; conversationId: string }> {
  const response = await fetch(`${ta.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, conversationId: conversation, userId: "student-4242" }),
  });
  expect(response.status).toBe(200);
  const events = await readSse(response);
  const retrieval = events.find((event) => event.event === "retrieval")!.data as { conversationId: string };
  const done = events.find((event) => event.event === "done")?.data as { traceId: string } | undefined;
  expect(done, JSON.stringify(events.at(-1))).toBeDefined();
  return { traceId: done!.traceId, conversationId: retrieval.conversationId };
}

/** A trace as /api/admin/traces/:id returns it (with the bearer token, as a script would). */
async function traceFromApi(id: string): Promise<Trace> {
  const response = await fetch(`${ta.url}/api/admin/traces/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${ta.adminToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Trace;
}

function oldTrace(index: number): Trace {
  return {
    id: `old-${String(index).padStart(3, "0")}`,
    // A day ago and earlier, one minute apart: older than every real chat, each at its own time.
    createdAt: new Date(Date.now() - 86_400_000 - index * 60_000).toISOString(),
    conversationId: `old-conversation-${index}`,
    platform: "line",
    userId: `line-user-${index % 5}`,
    question: `${OLD_TRACE_MARKER} ${index}：期中考範圍？`,
    answer: "期中考考第 1 到第 6 講。",
    // Strong retrieval, no feedback: these traces stay out of the weak-retrieval and feedback views.
    passages: [passage({ fulltext: 12, vector: 0.8 })],
    prompt: "",
    sampling: { temperature: 0.3, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: 48 },
    model: "tiny-chat",
    usage: { promptTokens: 100, completionTokens: 10 },
    timings: { retrievalMs: 5, firstTokenMs: 50, totalMs: 90, tokensPerSecond: 100 },
    status: "ok",
    mode: "answer",
  };
}

/** Formats like the pages do (formatNumber in src/admin/pages/layout.tsx). */
function format(value: number, digits: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const squash = (text: string | null) => (text ?? "").replace(/\s+/g, " ").trim();

/** A `dl.facts` list inside `selector` as label -> shown value. */
async function factsIn(selector: string): Promise<Record<string, string>> {
  return browser.page.locator(`${selector} dl.facts`).evaluate((list) => {
    const facts: Record<string, string> = {};
    for (const term of Array.from(list.querySelectorAll("dt")))
      facts[term.textContent ?? ""] = (term.nextElementSibling?.textContent ?? "").trim();
    return facts;
  });
}

/** Trace ids linked from the trace list's rows, in order. */
async function listedTraceIds(): Promise<string[]> {
  const hrefs = await browser.page
    .locator("#trace-list tbody tr td:first-child a")
    .evaluateAll((links) => links.map((link) => link.getAttribute("href") ?? ""));
  return hrefs.map((href) => decodeURIComponent(href.replace("/admin/traces/", "")));
}

/** Follows "Older »" from the current page to the last one; each page's ids, in order. */
async function walkPages(): Promise<string[][]> {
  const { page } = browser;
  const pages = [await listedTraceIds()];
  for (let guard = 0; guard < 10; guard++) {
    const older = page.locator(".pager a", { hasText: "Older »" });
    if ((await older.count()) === 0) return pages;
    const before = page.url();
    await older.click();
    await page.waitForURL((url) => url.href !== before && url.searchParams.has("before"));
    await expect(page.locator(".pager a", { hasText: "« Newest" }).count()).resolves.toBe(1);
    pages.push(await listedTraceIds());
  }
  throw new Error("more than 10 pages: the Older link does not advance");
}

/** No sideways scrolling: neither the page nor any table's scroll box is wider than the screen. */
async function expectFitsPhone(name: string): Promise<void> {
  const { page } = browser;
  // Open every fold too: an opened prompt or passage must wrap, not widen the page.
  await page.evaluate(() => {
    for (const details of Array.from(document.querySelectorAll("details"))) details.open = true;
  });
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    wideBoxes: Array.from(document.querySelectorAll(".scroll"))
      .filter((box) => box.scrollWidth > box.clientWidth + 1)
      .map((box) => `${box.firstElementChild?.id}: ${box.scrollWidth} > ${box.clientWidth}`),
  }));
  expect(layout.clientWidth, name).toBe(PHONE_VIEWPORT.width);
  expect(layout.scrollWidth, `${name} is wider than the phone`).toBeLessThanOrEqual(layout.clientWidth + 1);
  expect(layout.wideBoxes, `${name} has a table that scrolls sideways`).toEqual([]);
}

beforeAll(async () => {
  ta = await startTestService();
  // Two turns of one conversation through the public API: the second prompt carries the first as history.
  const first = await chat(FIRST_QUESTION);
  firstTraceId = first.traceId;
  conversationId = first.conversationId;
  const second = await chat(SECOND_QUESTION, conversationId);
  expect(second.conversationId).toBe(conversationId);
  secondTraceId = second.traceId;
  for (let index = 0; index < OLD_TRACE_COUNT; index++) oldTraces.push(oldTrace(index));
  await ta.service.traces.save(oldTraces, { flush: true });

  browser = await launchSignedIn(ta.url, ta.adminToken);
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await ta?.close();
  }
});

describe("trace pages in Chromium", () => {
  test("a second turn's trace: retriever ranks and scores, links, model, timings, history, conversation", async () => {
    const { page } = browser;
    const trace = await traceFromApi(secondTraceId);
    expect(trace.mode).toBe("answer");
    expect(trace.passages.length).toBeGreaterThan(0);
    await page.goto(`${ta.url}/admin/traces/${secondTraceId}`);
    await expect(page.textContent("#question")).resolves.toBe(SECOND_QUESTION);

    // Every passage row: fused rank, then each retriever's own rank and score (or "–" when it missed).
    const rows = page.locator("#passages tbody tr");
    await expect(rows.count()).resolves.toBe(trace.passages.length);
    const retrieversSeen = new Set<string>();
    for (const [index, expected] of trace.passages.entries()) {
      const row = rows.nth(index);
      const cell = async (label: string) =>
        squash(await row.locator(`td[data-label="${label}"]`).textContent());
      expect(await cell("Fused rank")).toBe(`#${expected.rank} (${format(expected.score, 4)})`);
      for (const [label, retriever, digits] of [
        ["Full-text", "fulltext", 2],
        ["Words", "words", 2],
        ["Vector", "vector", 3],
      ] as const) {
        const hit = expected.retrievers.find((candidate) => candidate.retriever === retriever);
        if (hit) retrieversSeen.add(retriever);
        expect(await cell(label), `passage ${index + 1} ${retriever}`).toBe(
          hit ? `#${hit.rank} (${format(hit.score, digits)})` : "–",
        );
      }
      // The source: its document in the corpus pages, and the passage's own link, opening outside.
      const source = row.locator('td[data-label="Source"]');
      await expect(
        source
          .locator(`a[href="/admin/corpus/document?path=${encodeURIComponent(expected.documentPath)}"]`)
          .count(),
      ).resolves.toBe(1);
      expect(expected.link).toMatch(/^https:\/\//);
      const external = source.locator(`a[target=_blank]`);
      await expect(external.getAttribute("href")).resolves.toBe(new URL(expected.link).href);
    }
    // Every retriever ran on the real corpus, so every column was really checked against numbers.
    expect([...retrieversSeen].sort()).toEqual(["fulltext", "vector", "words"]);

    // The model, and first-token time and speed, as the trace recorded them (a real generation: > 0).
    const facts = await factsIn("#facts");
    expect(facts["Model"]).toBe(trace.model);
    expect(trace.model).not.toBe("none");
    expect(trace.timings.firstTokenMs).toBeGreaterThan(0);
    expect(trace.timings.tokensPerSecond).toBeGreaterThan(0);
    const timings = await factsIn("#timings");
    expect(timings["First token"]).toBe(`${format(trace.timings.firstTokenMs, 1)} ms`);
    expect(timings["Speed"]).toBe(`${format(trace.timings.tokensPerSecond, 1)} tokens/s`);
    expect(timings["Answer tokens"]).toBe(format(trace.usage.completionTokens, 0));

    // The folded prompt: the first turn is in the history section, the new question in its own.
    const history = page.locator('#prompt details[data-section="history"]');
    await expect(history.count()).resolves.toBe(1);
    await expect(history.locator("summary").textContent()).resolves.toMatch(/\(2 messages\)/);
    await expect(history.locator("pre").textContent()).resolves.toContain(FIRST_QUESTION);
    const question = await page.textContent('#prompt details[data-section="question"] pre');
    expect(question).toContain(SECOND_QUESTION);
    expect(question).not.toContain(FIRST_QUESTION);

    // The conversation: both turns, oldest first; the first links to its own trace.
    await expect(page.textContent("h2:has(+ #conversation)")).resolves.toMatch(
      /Conversation \(2 questions\)/,
    );
    const turns = page.locator("#conversation > li");
    await expect(turns.count()).resolves.toBe(2);
    const firstTurnLink = turns.nth(0).locator(`a[href="/admin/traces/${firstTraceId}"]`);
    await expect(firstTurnLink.textContent()).resolves.toBe(FIRST_QUESTION);
    await expect(turns.nth(1).locator("strong").textContent()).resolves.toBe(
      `${SECOND_QUESTION} (this trace)`,
    );
    await browser.screenshot("trace-detail-second-turn");

    await firstTurnLink.click();
    await page.waitForURL(new RegExp(`/admin/traces/${firstTraceId}$`));
    await expect(page.textContent("#question")).resolves.toBe(FIRST_QUESTION);
    await expect(page.locator('#prompt details[data-section="history"]').count()).resolves.toBe(0);
    await expect(page.locator("#conversation > li").count()).resolves.toBe(2);
    await expect(page.locator("#conversation > li").nth(0).locator("strong").textContent()).resolves.toBe(
      `${FIRST_QUESTION} (this trace)`,
    );
  });

  test('pagination: "Older »" shows older traces, none twice and none lost', async () => {
    const { page } = browser;
    const oldIdsNewestFirst = oldTraces.map((trace) => trace.id);
    const createdAt = new Map(oldTraces.map((trace) => [trace.id, trace.createdAt]));

    await page.goto(`${ta.url}/admin/traces`);
    const total = OLD_TRACE_COUNT + 2;
    await expect(page.textContent("main > p.muted")).resolves.toContain(`${total} matching`);
    const pages = await walkPages();
    expect(pages.map((ids) => ids.length)).toEqual([50, total - 50]);
    const [newest, older] = pages as [string[], string[]];
    // Page one starts with the real chats (newest), and no trace is on both pages or missing.
    expect(newest.slice(0, 2)).toEqual([secondTraceId, firstTraceId]);
    expect(new Set([...newest, ...older]).size).toBe(total);
    expect([...newest, ...older]).toEqual([secondTraceId, firstTraceId, ...oldIdsNewestFirst]);
    // Every trace on the second page is older than every trace on the first.
    const oldestOnFirst = newest
      .map((id) => createdAt.get(id))
      .filter((time) => time !== undefined)
      .sort()[0]!;
    for (const id of older) expect(createdAt.get(id)! < oldestOnFirst, id).toBe(true);
    await expect(page.locator("#trace-list tbody tr").first().textContent()).resolves.toContain(
      `${OLD_TRACE_MARKER} 48`,
    );
    await browser.screenshot("trace-list-older-page");

    // With a text search the page is cut in memory instead: the same promise, and the filter is kept.
    await page.goto(`${ta.url}/admin/traces?q=${encodeURIComponent(OLD_TRACE_MARKER)}`);
    const searched = await walkPages();
    expect(searched.map((ids) => ids.length)).toEqual([50, OLD_TRACE_COUNT - 50]);
    expect(searched.flat()).toEqual(oldIdsNewestFirst);
    expect(new URL(page.url()).searchParams.get("q")).toBe(OLD_TRACE_MARKER);
  });

  test("phone layout: no sideways scrolling on the trace list, a trace and the corpus", async () => {
    const { page } = browser;
    await page.setViewportSize(PHONE_VIEWPORT);
    try {
      await page.goto(`${ta.url}/admin/traces`);
      await expectFitsPhone("trace list");
      await browser.screenshot("phone-trace-list");
      await page.goto(`${ta.url}/admin/traces/${secondTraceId}`);
      await expectFitsPhone("trace detail");
      await browser.screenshot("phone-trace-detail");
      await page.goto(`${ta.url}/admin/corpus`);
      await expect(page.locator("#documents tbody tr").count()).resolves.toBeGreaterThan(0);
      await expectFitsPhone("corpus");
      await browser.screenshot("phone-corpus");
    } finally {
      await page.setViewportSize(DESKTOP_VIEWPORT);
    }
  });
});
