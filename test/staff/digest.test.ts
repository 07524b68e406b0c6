/** The daily digest's figures, text and timing (pure). */
import { expect, test } from "vitest";
import { digestFigures, formatDigest, nextDigestAt } from "../../src/alerts/digest.ts";

test("figures: answers (verified included), refusals, not-covered, crisis, votes, open hand-offs, top gaps", () => {
  const figures = digestFigures(
    [
      { question: "HW2 截止？", mode: "answer", status: "ok", feedback: "up" },
      { question: "HW2 截止？", mode: "verified", status: "ok" },
      { question: "推薦牛肉麵", mode: "refusal", status: "ok" },
      { question: "期末考範圍有哪些", mode: "not-covered", status: "ok", feedback: "down" },
      { question: "期末考範圍是哪些", mode: "not-covered", status: "ok" },
      { question: "我好想消失", mode: "crisis", status: "ok" },
      { question: "壞掉", mode: "answer", status: "failed" },
    ],
    2,
  );
  expect(figures).toMatchObject({
    answered: 2,
    verified: 1,
    refusals: 1,
    notCovered: 2,
    crisis: 1,
    up: 1,
    down: 1,
    openHandoffs: 2,
  });
  expect(figures.gaps).toEqual([{ question: "期末考範圍有哪些", count: 2 }]);
  const text = formatDigest(figures, "2026-12-03", "https://ta.example.edu");
  expect(text).toContain("2026-12-03");
  expect(text).toContain("期末考範圍有哪些 ×2");
  expect(text).toContain("https://ta.example.edu/admin/handoffs");
});

test("next digest time: the hour in the course time zone, always in the future", () => {
  // 08:00 in Taipei (UTC+8) is 00:00 UTC.
  expect(nextDigestAt(new Date("2026-12-03T10:00:00Z"), 8, "Asia/Taipei").toISOString()).toBe(
    "2026-12-04T00:00:00.000Z",
  );
  expect(nextDigestAt(new Date("2026-12-02T23:30:00Z"), 8, "Asia/Taipei").toISOString()).toBe(
    "2026-12-03T00:00:00.000Z",
  );
  // A half-hour zone: 08:00 in Kolkata (UTC+5:30) is 02:30 UTC.
  expect(nextDigestAt(new Date("2026-12-03T03:00:00Z"), 8, "Asia/Kolkata").toISOString()).toBe(
    "2026-12-04T02:30:00.000Z",
  );
});
