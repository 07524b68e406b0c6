/**
 * The admin page in a real headless Chromium against the real service (tiny generated models):
 * log in, open a real chat's trace, upload and find a document, roll back, use the playgrounds.
 * Screenshots (desktop and phone) go to test-artifacts/admin/.
 */

import type { Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Trace } from "../../src/types.ts";
import { readSse, startTestService, type TestService } from "../helpers/service.ts";
import { type Browser, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from "./browser.ts";
import { passage } from "./helpers.ts";

const QUESTION = "作業的評分方式是什麼？";
const UPLOAD_NAME = "量子貓彩蛋.md";
const UPLOAD_TEXT =
  "# 量子貓彩蛋\n\n薛丁格的量子貓是本課程的隱藏彩蛋：量子貓同時活著也死了，期末考會考量子貓。\n";

/** LLM_MAX_TOKENS for this service: the longest answer the server allows, and the playground's cap. */
const SERVER_MAX_TOKENS = 40;

/** What the playground test leaves on `window` to tell a streamed answer from a page load. */
interface PlaygroundWatch {
  playgroundMarker: string;
  answerSnapshots: string[];
  answerLengths: number[];
}

let ta: TestService;
let browser: Browser;
let traceId: string;

/** Questions the corpus cannot answer (stored directly: the tiny random embedder's similarities are arbitrary). */
const GAP_QUESTIONS = ["火星基地的天氣如何？", "火星基地天氣怎麼樣", "學校餐廳幾點開？"];

function weakTrace(question: string, index: number): Trace {
  return {
    id: `gap-${index}`,
    createdAt: new Date(Date.now() - (index + 1) * 60_000).toISOString(),
    conversationId: `gap-conversation-${index}`,
    platform: "discord",
    userId: `discord-user-${index}`,
    question,
    answer: "課程資料沒有提到這件事。",
    passages: [passage({ fulltext: 0.8, vector: 0.12 })],
    prompt: "",
    sampling: { temperature: 0.3, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: 48 },
    model: "tiny-chat",
    usage: { promptTokens: 100, completionTokens: 10 },
    timings: { retrievalMs: 5, firstTokenMs: 50, totalMs: 90, tokensPerSecond: 100 },
    status: "ok",
    mode: "answer",
    feedback: "down",
  };
}

beforeAll(async () => {
  ta = await startTestService({ env: { LLM_MAX_TOKENS: String(SERVER_MAX_TOKENS) } });
  // A real chat through the public API: retrieval, the tiny model, and a stored trace.
  const response = await fetch(`${ta.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: QUESTION, userId: "student-7788" }),
  });
  expect(response.status).toBe(200);
  const events = await readSse(response);
  const done = events.find((event) => event.event === "done")!.data as { traceId: string };
  traceId = done.traceId;
  for (const [index, question] of GAP_QUESTIONS.entries())
    await ta.service.traces.save(weakTrace(question, index));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await ta?.close();
  }
});

describe("admin page in Chromium", () => {
  test("logging in with the token (a wrong one is refused)", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/traces`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.fill("input[name=token]", "not-the-token");
    await page.click("#login button[type=submit]");
    await expect(page.textContent(".notice")).resolves.toContain("That token is not right.");
    await browser.screenshot("login-refused");
    await page.fill("input[name=token]", ta.adminToken);
    await page.click("#login button[type=submit]");
    await page.waitForURL(/\/admin\/traces$/);
    const cookies = await browser.context.cookies();
    expect(cookies.find((cookie) => cookie.name === "ta_admin")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });
  });

  test("the trace list shows the chat, pseudonymous", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/traces`);
    const row = page.locator("#trace-list tbody tr", { hasText: QUESTION });
    await expect(row.count()).resolves.toBe(1);
    const text = await row.textContent();
    expect(text).toMatch(/學生-[0-9a-f]{12}/);
    expect(text).not.toContain("student-7788");
    await browser.screenshot("trace-list-desktop");
    await page.setViewportSize(PHONE_VIEWPORT);
    await browser.screenshot("trace-list-phone", { fullPage: false });
    await page.setViewportSize(DESKTOP_VIEWPORT);
  });

  test("filters: weak retrieval, feedback, platform, text", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/traces`);
    await page.check("#filters input[name=weak]");
    await page.click("#filters button[type=submit]");
    await page.waitForURL(/weak=1/);
    const questions = () => page.locator("#trace-list tbody td:nth-child(4)").allInnerTexts();
    expect(await questions()).toEqual(GAP_QUESTIONS);
    await page.goto(`${ta.url}/admin/traces?platform=http&q=${encodeURIComponent("評分")}`);
    expect(await questions()).toEqual([QUESTION]);
    await page.goto(`${ta.url}/admin/traces?feedback=down&platform=discord`);
    expect(await questions()).toHaveLength(3);
    await page.goto(`${ta.url}/admin/traces?from=2000-01-01&to=2000-01-31`);
    expect(await questions()).toEqual([]);
  });

  test("the trace shows its passages and the prompt, folded by section", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/traces`);
    await page.click(`#trace-list a[href="/admin/traces/${traceId}"] >> nth=0`);
    await page.waitForURL(new RegExp(`/admin/traces/${traceId}$`));
    await expect(page.textContent("#question")).resolves.toBe(QUESTION);
    const passages = page.locator("#passages tbody tr");
    expect(await passages.count()).toBeGreaterThan(0);
    const firstPassage = await passages.first().textContent();
    expect(firstPassage).toMatch(/#1/);
    expect(firstPassage).toMatch(/\.md/);
    const sections = await page
      .locator("#prompt details")
      .evaluateAll((elements) => elements.map((element) => element.getAttribute("data-section")));
    // The tiny model's template may put a BOS token before the first turn ("preamble").
    expect(sections.filter((section) => section !== "preamble")).toEqual([
      "system",
      "passages",
      "question",
      "generation",
      "raw",
    ]);
    await expect(page.textContent('#prompt details[data-section="question"] pre')).resolves.toContain(
      QUESTION,
    );
    const specialTokens = await page
      .locator('#prompt details[data-section="system"] mark.special')
      .allTextContents();
    expect(specialTokens[0]).toBe("<|im_start|>");
    await page.click('#prompt details[data-section="passages"] summary');
    await expect(page.textContent('#prompt details[data-section="passages"] pre')).resolves.toContain(
      "<passages>",
    );
    await expect(page.textContent("#timings")).resolves.toMatch(/Prompt tokens\s*[1-9]/);
    await browser.screenshot("trace-detail-desktop");
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.evaluate(() => window.scrollTo(0, 0));
    await browser.screenshot("trace-detail-phone", { fullPage: false });
    await page.locator("#passages").scrollIntoViewIfNeeded();
    await browser.screenshot("trace-detail-phone-passages", { fullPage: false });
    await page.locator("#prompt").scrollIntoViewIfNeeded();
    await browser.screenshot("trace-detail-phone-prompt", { fullPage: false });
    await page.setViewportSize(DESKTOP_VIEWPORT);
  });

  test("upload a document, find it in the retrieval playground, roll back", async () => {
    const { page } = browser;
    page.on("dialog", (dialog) => void dialog.accept());
    await page.goto(`${ta.url}/admin/corpus`);
    const versionBefore = await page.locator("#history tbody tr").first().getAttribute("data-version");
    await page.setInputFiles("#upload input[name=file]", {
      name: UPLOAD_NAME,
      mimeType: "text/markdown",
      buffer: Buffer.from(UPLOAD_TEXT),
    });
    await page.fill("#upload input[name=folder]", "notes");
    await page.click("#upload button[type=submit]");
    await page.waitForURL(/\/admin\/corpus\?notice=/);
    await expect(page.textContent(".notice")).resolves.toContain(`added notes/${UPLOAD_NAME}`);
    await expect(page.locator(`#documents tr[data-path="notes/${UPLOAD_NAME}"]`).count()).resolves.toBe(1);
    await browser.screenshot("corpus-after-upload");

    await page.goto(`${ta.url}/admin/corpus/search`);
    await page.fill("#retrieval-form input[name=q]", "量子貓");
    await page.click("#retrieval-form button[type=submit]");
    await page.waitForURL(/\/admin\/corpus\/search\?q=/);
    await expect(page.locator("#fused li").first().textContent()).resolves.toContain(`notes/${UPLOAD_NAME}`);
    await expect(page.locator("#ranking-fulltext li").first().textContent()).resolves.toContain(
      `notes/${UPLOAD_NAME}`,
    );
    await expect(page.locator("#ranking-vector h2").count()).resolves.toBe(1);
    await browser.screenshot("retrieval-playground");

    await page.goto(`${ta.url}/admin/corpus`);
    await page.click(`#history tr[data-version="${versionBefore}"] button`);
    await page.waitForURL(/\/admin\/corpus\?notice=/);
    await expect(page.textContent(".notice")).resolves.toContain(`rolled back to version ${versionBefore}`);
    await expect(page.locator(`#documents tr[data-path="notes/${UPLOAD_NAME}"]`).count()).resolves.toBe(0);
    await browser.screenshot("corpus-after-rollback");
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.evaluate(() => window.scrollTo(0, 0));
    await browser.screenshot("corpus-phone", { fullPage: false });
    await page.locator("#documents").scrollIntoViewIfNeeded();
    await browser.screenshot("corpus-phone-documents", { fullPage: false });
    await page.setViewportSize(DESKTOP_VIEWPORT);

    await page.goto(`${ta.url}/admin/corpus/search?q=${encodeURIComponent("量子貓")}`);
    await expect(page.locator("#fused").textContent()).resolves.not.toContain(UPLOAD_NAME);
  });

  test("the chat playground streams an answer in place, with the sampling chosen in the form", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/playground`);
    const playgroundUrl = page.url();
    // A full page load (the no-JavaScript form post) would drop this marker and the observer with it.
    await page.evaluate(() => {
      const state = window as unknown as PlaygroundWatch;
      state.playgroundMarker = "still here";
      state.answerSnapshots = [];
      state.answerLengths = [];
      // Each text-delta replaces the answer's text node: the added nodes are the answer as it grew.
      // One callback runs per task that changed the page, so answerLengths holds what was on screen
      // at separate moments; a whole answer applied at once would leave a single entry.
      new MutationObserver((records) => {
        let answer: Element | undefined;
        for (const record of records) {
          if (!(record.target instanceof Element) || !record.target.classList.contains("answer")) continue;
          answer = record.target;
          for (const node of Array.from(record.addedNodes))
            state.answerSnapshots.push(node.textContent ?? "");
        }
        if (answer) state.answerLengths.push(answer.textContent?.length ?? 0);
      }).observe(document.getElementById("stream")!, { childList: true, subtree: true });
    });
    const requests: string[] = [];
    const onRequest = (request: Request) =>
      requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
    page.on("request", onRequest);
    await page.fill("#playground textarea[name=message]", "期中考考什麼？");
    await page.fill("#playground input[name=temperature]", "0.9");
    await page.fill("#playground input[name=topP]", "0.55");
    await page.fill("#playground input[name=topK]", "17");
    await page.fill("#playground input[name=maxTokens]", "24");
    await page.click("#playground button[type=submit]");
    await page.waitForSelector("#trace-link");
    page.off("request", onRequest);

    // The page stayed: same URL, same window, the answer came from /api/chat, not a form post.
    expect(page.url()).toBe(playgroundUrl);
    const watch = await page.evaluate(() => {
      const state = window as unknown as PlaygroundWatch;
      return {
        marker: state.playgroundMarker,
        snapshots: state.answerSnapshots,
        lengths: state.answerLengths,
      };
    });
    expect(watch.marker).toBe("still here");
    expect(requests).toContain("POST /api/chat");
    expect(requests).not.toContain("POST /admin/playground");
    // The answer grew while streaming: seen at two or more moments, longer each time, built from
    // several text-deltas that each extend the text before it.
    const answer = (await page.textContent("#stream .answer")) ?? "";
    expect(watch.lengths.length).toBeGreaterThanOrEqual(2);
    for (const [index, length] of watch.lengths.entries())
      if (index > 0) expect(length).toBeGreaterThan(watch.lengths[index - 1]!);
    expect(watch.snapshots.length).toBeGreaterThanOrEqual(2);
    for (const [index, snapshot] of watch.snapshots.entries()) {
      const previous = index === 0 ? "" : watch.snapshots[index - 1]!;
      expect(snapshot.length).toBeGreaterThan(previous.length);
      expect(snapshot.startsWith(previous)).toBe(true);
    }
    expect(watch.snapshots.at(-1)).toBe(answer);
    await browser.screenshot("playground");

    // The trace (read with the bearer token) has what was streamed and the sampling from the form.
    const href = (await page.getAttribute("#trace-link", "href"))!;
    const response = await fetch(`${ta.url}/api${href}`, {
      headers: { authorization: `Bearer ${ta.adminToken}` },
    });
    expect(response.status).toBe(200);
    const trace = (await response.json()) as Trace;
    expect(trace.sampling).toMatchObject({ temperature: 0.9, topP: 0.55, topK: 17, maxTokens: 24 });
    expect(trace.answer).toBe(answer);
    expect(trace.status).toBe("ok");
    expect(await page.locator("#stream ol.passages li").count()).toBe(trace.passages.length);
    expect(trace.passages.length).toBeGreaterThan(0);
    await page.goto(`${ta.url}${href}`);
    const sampling = await page.textContent("#sampling");
    expect(sampling).toMatch(/Temperature\s*0\.9/);
    expect(sampling).toMatch(/Top-p\s*0\.55/);
    expect(sampling).toMatch(/Top-k\s*17/);
    expect(sampling).toMatch(/Max tokens\s*24/);
    await browser.screenshot("playground-trace");
  });

  test("the playground's max tokens stops at the server's cap and says so", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/playground`);
    const field = page.locator("#playground input[name=maxTokens]");
    await expect(field.getAttribute("max")).resolves.toBe(String(SERVER_MAX_TOKENS));
    await expect(field.inputValue()).resolves.toBe(String(SERVER_MAX_TOKENS));
    await expect(page.textContent("#maxTokens-hint")).resolves.toContain(`at most ${SERVER_MAX_TOKENS}`);
    // One more than the cap is refused by the browser, so the form cannot ask for a 400.
    await field.fill(String(SERVER_MAX_TOKENS + 1));
    const overflow = await field.evaluate((input) => (input as HTMLInputElement).validity.rangeOverflow);
    expect(overflow).toBe(true);
    // The cap itself is accepted and recorded.
    await field.fill(String(SERVER_MAX_TOKENS));
    await page.fill("#playground textarea[name=message]", "期末專題怎麼分組？");
    await page.click("#playground button[type=submit]");
    await page.waitForSelector("#trace-link");
    const href = (await page.getAttribute("#trace-link", "href"))!;
    const trace = await ta.service.traces.get(decodeURIComponent(href.replace("/admin/traces/", "")));
    expect(trace?.sampling.maxTokens).toBe(SERVER_MAX_TOKENS);
    expect(trace?.status).toBe("ok");
  });

  test("the next-token view lists the model's top 10 for 1+1=", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/playground/next-token`);
    await page.fill("#next-token-form textarea[name=prompt]", "1+1=");
    await page.click("#next-token-form button[type=submit]");
    await page.waitForSelector("#next-tokens");
    expect(await page.locator("#next-tokens tbody tr").count()).toBe(10);
    await browser.screenshot("next-token");
  });

  test("the knowledge-gap view groups similar weak questions", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/gaps`);
    const groups = await page.locator("#gaps details summary").allInnerTexts();
    expect(groups).toEqual([`2× ${GAP_QUESTIONS[0]}`, `1× ${GAP_QUESTIONS[2]}`]);
    await browser.screenshot("knowledge-gaps");
  });
});
