/**
 * The staff loop in a real headless Chromium against the real service and the real LINE bot (fake
 * LINE API on 127.0.0.1): write the right answer from a trace page and see it served; the hand-off
 * queue and its reply form; the same pages at phone width. Screenshots go to test-artifacts/admin/
 * (the README's "For TAs" walkthrough shows them).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunningBots } from "../../src/bots/index.ts";
import { type Browser, DESKTOP_VIEWPORT, launchSignedIn, PHONE_VIEWPORT } from "../admin/browser.ts";
import {
  type FakeLine,
  LINE_TEST_CHANNEL,
  lineMessagesText,
  lineTextEvent,
  postLineWebhook,
  startFakeLine,
} from "../helpers/fake-line.ts";
import { postChat, startTestService, type TestService } from "../helpers/service.ts";

const SECRET = LINE_TEST_CHANNEL.channelSecret;
const ACCESS_TOKEN = LINE_TEST_CHANNEL.channelAccessToken;
const STUDENT = "Ubrowser0000000000000000000000001";

let ta: TestService;
let fake: FakeLine;
let bots: RunningBots;
let browser: Browser;

const textOf = lineMessagesText;

async function ask(message: string): Promise<{ mode: string; traceId: string; answer: string }> {
  const response = await postChat(ta, { message, stream: false });
  expect(response.status).toBe(200);
  return (await response.json()) as { mode: string; traceId: string; answer: string };
}

async function expectFitsPhone(): Promise<void> {
  const layout = await browser.page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth + 1);
}

beforeAll(async () => {
  ta = await startTestService({ env: { EMBED_MODEL: "none" } });
  const { startLineBotOn } = await import("../helpers/service.ts");
  fake = await startFakeLine();
  bots = await startLineBotOn(ta, fake.baseUrl, { channelSecret: SECRET, channelAccessToken: ACCESS_TOKEN });
  browser = await launchSignedIn(ta.url, ta.adminToken);
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await bots?.stop();
    await fake?.close();
    await ta?.close();
  }
});

describe("staff loop pages", () => {
  test("write the right answer on a trace page; the next paraphrase is served it and counted", async () => {
    const { page } = browser;
    const first = await ask("期末專題幾人一組？可以一個人做嗎？");
    expect(first.mode).not.toBe("verified");
    await page.goto(`${ta.url}/admin/traces/${first.traceId}`);
    await expect(page.locator("#verify textarea[name=question]").inputValue()).resolves.toBe(
      "期末專題幾人一組？可以一個人做嗎？",
    );
    await page.fill("#verify textarea[name=answer]", "期末專題 3 到 4 人一組，原則上不接受一人一組。");
    await page.fill(
      "#verify textarea[name=sources]",
      "課程大綱 › 期末專題 | https://example.edu/syllabus#project",
    );
    await browser.screenshot("staff-trace-verify-form");
    await page.click("#verify button[type=submit]");
    await page.waitForURL(/\/admin\/verified\?notice=/);
    await expect(page.locator(".notice").textContent()).resolves.toContain("期末專題幾人一組");

    const served = await ask("final project 一組要幾個人");
    expect(served.mode).toBe("verified");
    expect(served.answer).toContain("原則上不接受一人一組");
    await page.goto(`${ta.url}/admin/verified`);
    await expect(page.locator("#verified tbody tr .served").first().textContent()).resolves.toBe("1");
    await browser.screenshot("staff-verified-list");

    // Retire it: the same question goes to the model again.
    await page.click("#verified tbody tr button");
    await page.waitForURL(/\/admin\/verified\?notice=/);
    await expect(page.locator("#verified tbody tr .badge").first().textContent()).resolves.toBe("retired");
    expect((await ask("final project 一組要幾個人")).mode).not.toBe("verified");
  });

  test("the hand-off queue and its reply form: the reply reaches the student once", async () => {
    const { page } = browser;
    const event = lineTextEvent("找助教 我的 HW2 成績好像登錯了", { userId: STUDENT });
    expect((await postLineWebhook(ta.url, SECRET, [event])).status).toBe(200);
    await fake.waitUntil(
      () => fake.replies().some((request) => request.body?.replyToken === event.replyToken),
      10_000,
    );

    await page.goto(`${ta.url}/admin/handoffs`);
    const row = page.locator("#handoffs tbody tr").first();
    await expect(row.textContent()).resolves.toContain("我的 HW2 成績好像登錯了");
    await expect(row.textContent()).resolves.toMatch(/學生-[0-9a-f]{12}/);
    expect(await page.content()).not.toContain(STUDENT);
    await browser.screenshot("staff-handoff-queue");
    await row.locator("a").click();
    await page.waitForURL(/\/admin\/handoffs\/[0-9a-f-]+$/);
    await page.fill("#reply textarea[name=text]", "已經幫你更正了，請再查一次。");
    await browser.screenshot("staff-handoff-reply-form");
    await page.click("#reply button[type=submit]");
    await page.waitForURL(/notice=/);
    await expect(page.locator(".notice").textContent()).resolves.toContain("Sent to the student");
    await expect(page.locator("#sent").textContent()).resolves.toContain("Delivered");
    const pushes = fake.deliveredPushes().filter((request) => request.body?.to === STUDENT);
    expect(pushes).toHaveLength(1);
    expect(textOf(pushes[0]!)).toContain("課程助教回覆");
    // The form is gone: it cannot be sent twice.
    await expect(page.locator("#reply").count()).resolves.toBe(0);
  });

  test("a reply LINE refused says why and can be sent again with one button", async () => {
    const { page } = browser;
    const student = "Ubrowserretry00000000000000000001";
    const event = lineTextEvent("找助教 期末考可以帶計算機嗎", { userId: student });
    expect((await postLineWebhook(ta.url, SECRET, [event])).status).toBe(200);
    await fake.waitUntil(
      () => fake.replies().some((request) => request.body?.replyToken === event.replyToken),
      10_000,
    );
    await page.goto(`${ta.url}/admin/handoffs`);
    await page.locator("#handoffs tbody tr", { hasText: "期末考可以帶計算機嗎" }).locator("a").click();
    await page.waitForURL(/\/admin\/handoffs\/[0-9a-f-]+$/);
    fake.pushResponder = () => [400, { message: "The request body has 1 error(s)" }];
    try {
      await page.fill("#reply textarea[name=text]", "可以帶一般的工程計算機。");
      await page.click("#reply button[type=submit]");
      await page.waitForURL(/notice=/);
      await expect(page.locator(".notice").textContent()).resolves.toContain("Saved, but not delivered");
      await expect(page.locator("#sent").textContent()).resolves.toContain("Not delivered");
    } finally {
      fake.pushResponder = undefined;
    }
    await browser.screenshot("staff-handoff-send-again");
    await page.click("#sent button[type=submit]");
    await page.waitForURL(/notice=/);
    await expect(page.locator(".notice").textContent()).resolves.toContain("Sent to the student");
    await expect(page.locator("#sent").textContent()).resolves.toContain("Delivered");
    await expect(page.locator("#sent button").count()).resolves.toBe(0);
    const pushes = fake.deliveredPushes().filter((request) => request.body?.to === student);
    expect(pushes).toHaveLength(1);
    expect(textOf(pushes[0]!)).toContain("工程計算機");
  });

  test("phone width: the queue, a hand-off, the verified answers and a trace's form fit", async () => {
    const { page } = browser;
    await page.setViewportSize(PHONE_VIEWPORT);
    try {
      const event = lineTextEvent("找助教 期中專題報告可以晚一天交嗎", { userId: STUDENT });
      expect((await postLineWebhook(ta.url, SECRET, [event])).status).toBe(200);
      await fake.waitUntil(
        () => fake.replies().some((request) => request.body?.replyToken === event.replyToken),
        10_000,
      );
      await page.goto(`${ta.url}/admin/handoffs`);
      await expectFitsPhone();
      await browser.screenshot("staff-phone-handoff-queue", { fullPage: false });
      await page.locator("#handoffs tbody tr a").first().click();
      await page.waitForURL(/\/admin\/handoffs\/[0-9a-f-]+$/);
      await expectFitsPhone();
      await browser.screenshot("staff-phone-handoff-reply", { fullPage: false });
      await page.goto(`${ta.url}/admin/verified`);
      await expectFitsPhone();
      const trace = await ask("作業可以用 ChatGPT 嗎");
      await page.goto(`${ta.url}/admin/traces/${trace.traceId}`);
      await expectFitsPhone();
      await page.locator("#verify").scrollIntoViewIfNeeded();
      await browser.screenshot("staff-phone-trace-verify", { fullPage: false });
    } finally {
      await page.setViewportSize(DESKTOP_VIEWPORT);
    }
  });
});
