/**
 * The dashboard and the Quality page in a real headless Chromium against the real service: the
 * dashboard's figures equal the counts of the traces seeded into its LanceDB (a mode it has never
 * heard of included), it fits a phone, and the Quality page shows two stored runs and their
 * difference. Screenshots go to test-artifacts/admin/ (the README's comes from here).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { EvalRun, EvalRunRow } from "../../src/store/eval-runs.ts";
import type { Trace } from "../../src/types.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { sampleTrace } from "../helpers/traces.ts";
import { type Browser, DESKTOP_VIEWPORT, launchSignedIn, PHONE_VIEWPORT } from "./browser.ts";

let ta: TestService;
let browser: Browser;

const DAYS = ["2026-03-02", "2026-03-03", "2026-03-04"];
/** [day index, hour in Taipei, platform, mode, feedback] per seeded trace. */
const PLAN: [number, number, Trace["platform"], string, Trace["feedback"]][] = [
  [0, 9, "line", "answer", "up"],
  [0, 10, "line", "answer", undefined],
  [0, 10, "discord", "refusal", "down"],
  [0, 21, "http", "answer", "up"],
  [1, 14, "discord", "not-covered", undefined],
  [1, 14, "discord", "answer", "down"],
  [2, 8, "line", "verified", "up"],
  [2, 23, "line", "smalltalk", undefined],
];

function seeded(): Trace[] {
  const traces = PLAN.map(([day, hour, platform, mode, feedback], index) =>
    sampleTrace(
      `dash-${index}`,
      new Date(Date.parse(`${DAYS[day]}T${String(hour).padStart(2, "0")}:05:00+08:00`)).toISOString(),
      {
        platform,
        mode: mode as Trace["mode"],
        feedback,
        userId: `student-${index}`,
        timings: {
          retrievalMs: 1,
          firstTokenMs: 100 * (index + 1),
          totalMs: 1000 * (index + 1),
          tokensPerSecond: 5,
        },
      },
    ),
  );
  // An evaluation run's question: never counted on the dashboard.
  traces.push(
    sampleTrace("dash-eval", `${DAYS[0]}T03:00:00.000Z`, { platform: "eval", userId: "answer-eval" }),
  );
  return traces;
}

function row(question: string, traceId: string, factRecall: number, refusalCorrect = true): EvalRunRow {
  return {
    question,
    traceId,
    mode: "answer",
    answer: `答案 ${question}`,
    refuse: false,
    sourcesHit: true,
    factRecall,
    missingFacts: factRecall < 1 ? ["10/22（四）"] : [],
    citationValidity: 1,
    invalidCitations: [],
    unsupportedSentences: [],
    declined: false,
    refusalCorrect,
    faithfulness: null,
    answerRelevance: null,
  };
}

function run(id: string, createdAt: string, rows: EvalRunRow[], factRecall: number): EvalRun {
  return {
    id,
    createdAt,
    model: "tiny-chat",
    corpusVersion: id === "run-before" ? 3 : 4,
    promptHash: "abcdef012345",
    goldFiles: ["eval/corpus-gold.jsonl"],
    summary: {
      questions: rows.length,
      sourcesHit: 1,
      factRecall,
      citationValidity: 1,
      refusalCorrectness: 1,
      faithfulness: null,
      answerRelevance: null,
    },
    judge: { status: "off" },
    rows,
  };
}

beforeAll(async () => {
  ta = await startTestService();
  await ta.service.traces.save(seeded(), { flush: true });
  await ta.service.evalRuns.save(
    run(
      "run-before",
      "2026-03-01T02:00:00.000Z",
      [row("HW2 的截止時間？", "dash-0", 0), row("遲交扣幾分？", "dash-1", 1)],
      0.5,
    ),
  );
  await ta.service.evalRuns.save(
    run(
      "run-after",
      "2026-03-04T02:00:00.000Z",
      [row("HW2 的截止時間？", "dash-3", 1), row("遲交扣幾分？", "dash-1", 1)],
      1,
    ),
  );
  browser = await launchSignedIn(ta.url, ta.adminToken);
}, 120_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await ta?.close();
  }
});

/** A chart's folded table as {row label: [cells]}. */
async function chartTable(id: string): Promise<Record<string, string[]>> {
  return browser.page.locator(`#${id} details.chart-data table`).evaluate((table) => {
    const rows: Record<string, string[]> = {};
    for (const tr of Array.from(table.querySelectorAll("tbody tr"))) {
      const cells = Array.from(tr.querySelectorAll("td")).map((cell) => (cell.textContent ?? "").trim());
      rows[cells[0]!] = cells.slice(1);
    }
    return rows;
  });
}

async function chartHeaders(id: string): Promise<string[]> {
  return browser.page
    .locator(`#${id} details.chart-data thead th`)
    .evaluateAll((cells) => cells.map((cell) => (cell.textContent ?? "").trim()));
}

describe("the dashboard", () => {
  test("its figures equal the counts of the seeded traces", async () => {
    const { page } = browser;
    await page.setViewportSize(DESKTOP_VIEWPORT);
    await page.goto(`${ta.url}/admin`);
    // The admin home, with the range picker; then the seeded days.
    await expect(page.locator("#range input[name=from]").count()).resolves.toBe(1);
    await page.fill("#range input[name=from]", DAYS[0]!);
    await page.fill("#range input[name=to]", DAYS[2]!);
    await page.click("#range button[type=submit]");
    await page.waitForURL(/from=2026-03-02&to=2026-03-04/);

    const count = (filter: (plan: (typeof PLAN)[number]) => boolean) => PLAN.filter(filter).length;
    await expect(page.textContent("[data-figure=total]")).resolves.toBe(String(PLAN.length));
    await expect(page.textContent("[data-figure=up]")).resolves.toBe(String(count((p) => p[4] === "up")));
    await expect(page.textContent("[data-figure=down]")).resolves.toBe(String(count((p) => p[4] === "down")));

    const platforms = await chartHeaders("chart-platforms");
    expect(platforms).toEqual(["Day", "discord", "http", "line"]);
    const perDay = await chartTable("chart-platforms");
    for (const [dayIndex, day] of DAYS.entries()) {
      expect(perDay[day], day).toEqual(
        platforms.slice(1).map((platform) => String(count((p) => p[0] === dayIndex && p[2] === platform))),
      );
    }
    // Every mode seeded has its series, the unknown "verified" after the known ones.
    const modes = await chartHeaders("chart-modes");
    expect(modes).toEqual(["Day", "answer", "not-covered", "refusal", "smalltalk", "verified"]);
    const modeTable = await chartTable("chart-modes");
    for (const [dayIndex, day] of DAYS.entries())
      expect(modeTable[day]).toEqual(
        modes.slice(1).map((mode) => String(count((p) => p[0] === dayIndex && p[3] === mode))),
      );

    const feedback = await chartTable("chart-feedback");
    expect(feedback[DAYS[0]!]).toEqual(["2", "1"]);
    // Numbers on hover: each bar carries its figures in a <title>.
    await expect(
      page.locator("#chart-platforms svg rect title", { hasText: `${DAYS[0]} · line: 2` }).count(),
    ).resolves.toBe(1);
    // Busiest hours: Monday 10:00 Taipei had two questions.
    const hours = await chartTable("chart-hours");
    expect(hours["10:00"]![0]).toBe("2");
    // Latency: first-token p50 of day one's model answers (100, 200, 400 ms -> 200).
    const latency = await chartTable("chart-latency");
    expect(latency[DAYS[0]!]![0]).toBe("200 ms");
    await browser.screenshot("dashboard");
  });

  test("fits a phone without sideways scrolling", async () => {
    const { page } = browser;
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.goto(`${ta.url}/admin?from=${DAYS[0]}&to=${DAYS[2]}`);
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth + 1);
    await browser.screenshot("dashboard-phone");
    await page.setViewportSize(DESKTOP_VIEWPORT);
  });
});

describe("the Quality page", () => {
  test("shows the two runs, and their difference side by side, down to the traces", async () => {
    const { page } = browser;
    await page.goto(`${ta.url}/admin/quality`);
    await expect(page.locator("#runs tbody tr").count()).resolves.toBe(2);
    await expect(
      page.locator("#runs tr[data-run=run-after] td[data-figure=factRecall]").textContent(),
    ).resolves.toBe("1.000");
    await expect(
      page.locator("#runs tr[data-run=run-before] td[data-figure=factRecall]").textContent(),
    ).resolves.toBe("0.500");
    await expect(page.locator("#chart-runs svg circle").count()).resolves.toBeGreaterThanOrEqual(2 * 4);
    await browser.screenshot("quality");

    await page.click("#compare-form button[type=submit]");
    await page.waitForURL(/\/admin\/quality\/compare\?base=run-before&next=run-after/);
    const recall = page.locator("#compare-figures tbody tr", { hasText: "fact recall" });
    await expect(recall.locator("td").allTextContents()).resolves.toEqual([
      "fact recall",
      "0.500",
      "1.000",
      "+0.500",
    ]);
    const changed = page.locator("#changed tbody tr");
    await expect(changed.count()).resolves.toBe(1);
    await expect(changed.textContent()).resolves.toContain("HW2 的截止時間？");
    await expect(changed.textContent()).resolves.toContain("fact recall 0.000 → 1.000");
    await browser.screenshot("quality-compare");

    // Drill down: the question's trace in the new run.
    await changed.locator("a", { hasText: "trace" }).last().click();
    await page.waitForURL(/\/admin\/traces\/dash-3$/);

    await page.goto(`${ta.url}/admin/quality/runs/run-before`);
    await expect(page.locator("#run-rows tbody tr").count()).resolves.toBe(2);
    await expect(page.locator("#run-rows a[href='/admin/traces/dash-0']").count()).resolves.toBe(1);
  });
});
