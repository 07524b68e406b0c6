/**
 * GET /api/admin/stats and GET /api/admin/traces/export on the real service, over traces written to
 * its LanceDB: days in the course time zone (Asia/Taipei), modes it has never heard of, evaluation
 * traces left out, bad ranges refused; exports streamed with pseudonyms only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trace } from "../../src/types.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { sampleTrace } from "../helpers/traces.ts";

let ta: TestService;

const timings = (firstTokenMs: number, totalMs: number) => ({
  retrievalMs: 1,
  firstTokenMs,
  totalMs,
  tokensPerSecond: 10,
});

/** 2026-03-01 and 03-02 in Taipei (UTC+8); one trace is 00:30 on the 2nd there but still the 1st in UTC. */
const SEEDED: Trace[] = [
  sampleTrace("a", "2026-03-01T01:00:00.000Z", {
    platform: "line",
    userId: "U-line-raw-1",
    timings: timings(100, 1000),
    feedback: "up",
  }),
  sampleTrace("b", "2026-03-01T02:00:00.000Z", {
    platform: "discord",
    userId: "987654321",
    conversationId: "discord:dm:987654321",
    timings: timings(300, 3000),
  }),
  sampleTrace("c", "2026-03-01T03:00:00.000Z", {
    platform: "line",
    userId: "U-line-raw-2",
    mode: "refusal",
    feedback: "down",
  }),
  sampleTrace("d", "2026-03-01T16:30:00.000Z", {
    platform: "http",
    userId: "",
    mode: "verified" as Trace["mode"], // issue 15 adds this mode; the dashboard must count it already
    question: "=SUM(A1) 公式?",
  }),
  sampleTrace("e", "2026-03-01T17:00:00.000Z", {
    platform: "discord",
    userId: "987654321",
    timings: timings(200, 2000),
    answer: '他說 "好", 然後\n換行',
  }),
  sampleTrace("f", "2026-03-01T05:00:00.000Z", { platform: "eval", userId: "answer-eval" }),
];

const api = (path: string) =>
  fetch(`${ta.url}${path}`, { headers: { authorization: `Bearer ${ta.adminToken}` } });

beforeAll(async () => {
  ta = await startTestService();
  await ta.service.traces.save(SEEDED, { flush: true });
  expect(await ta.service.traces.count(), ta.logs.join("\n")).toBe(SEEDED.length);
});
afterAll(async () => {
  await ta?.close();
});

describe("GET /api/admin/stats", () => {
  it("counts per course-time-zone day by platform, mode and feedback, with timing percentiles", async () => {
    const response = await api("/api/admin/stats?from=2026-03-01&to=2026-03-03");
    expect(response.status).toBe(200);
    const stats = await response.json();
    expect(stats.days.map((day: { date: string; total: number }) => [day.date, day.total])).toEqual([
      ["2026-03-01", 3],
      ["2026-03-02", 2],
      ["2026-03-03", 0],
    ]);
    const [first, second] = stats.days;
    expect(first).toMatchObject({
      byPlatform: { line: 2, discord: 1 },
      byMode: { answer: 2, refusal: 1 },
      feedback: { up: 1, down: 1 },
      firstTokenMs: { p50: 100, p95: 300 },
      totalMs: { p50: 1000, p95: 3000 },
    });
    // A mode the dashboard has never heard of is counted under its own name.
    expect(second.byMode).toEqual({ verified: 1, answer: 1 });
    expect(stats.totals).toEqual({
      total: 5,
      byPlatform: { line: 2, discord: 2, http: 1 },
      byMode: { answer: 3, refusal: 1, verified: 1 },
      feedback: { up: 1, down: 1 },
    });
    // 2026-03-01 is a Sunday (weekday 6); 09:00 Taipei is trace a.
    expect(stats.hoursOfWeek[6][9]).toBe(1);
    expect(stats.hoursOfWeek[0][0]).toBe(1); // Monday 00:30, trace d
  });

  it("defaults to the last 30 days, and an empty range is all zeros", async () => {
    const response = await api("/api/admin/stats");
    expect(response.status).toBe(200);
    const stats = await response.json();
    expect(stats.days).toHaveLength(30);
    expect(stats.totals).toEqual({ total: 0, byPlatform: {}, byMode: {}, feedback: { up: 0, down: 0 } });
  });

  it("refuses inverted, unparseable and over-a-year ranges with a 400 that says so", async () => {
    for (const [query, message] of [
      ["from=2026-03-05&to=2026-03-01", "from (2026-03-05) is after to (2026-03-01): the range is inverted"],
      ["from=2026-02-30&to=2026-03-01", "from must be a date like 2026-03-01"],
      ["from=yesterday", "from must be a date like 2026-03-01"],
      ["from=2025-01-01&to=2026-03-01", "at most 366 (one year)"],
    ]) {
      const response = await api(`/api/admin/stats?${query}`);
      expect(response.status, query).toBe(400);
      const body = await response.json();
      expect(body.error.message, query).toContain(message);
    }
  });
});

describe("GET /api/admin/traces/export", () => {
  it("streams CSV with the trace list's filters, students as pseudonyms", async () => {
    const response = await api("/api/admin/traces/export?format=csv&from=2026-03-01&to=2026-03-02");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/csv");
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename="traces-.*\.csv"/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 byte-order mark for spreadsheets
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith("id,createdAt,platform,user,conversation,question,answer")).toBe(true);
    for (const raw of ["U-line-raw-1", "U-line-raw-2", "987654321"]) expect(text).not.toContain(raw);
    expect(text).toMatch(/學生-[0-9a-f]{12}/);
    expect(text).toMatch(/discord:對話-[0-9a-f]{12}/);
    expect(text).toContain(`"他說 ""好"", 然後\n換行"`);
    expect(text).toContain("'=SUM(A1) 公式?"); // not run as a formula by a spreadsheet
    const ids = text
      .split("\r\n")
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split(",")[0]);
    expect(ids.sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
  });

  it("streams JSON lines, filtered by platform and text", async () => {
    const response = await api("/api/admin/traces/export?format=jsonl&platform=line&q=question%20c");
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: "c", platform: "line", mode: "refusal", feedback: "down" });
    expect(lines[0].user).toMatch(/^學生-[0-9a-f]{12}$/);
  });

  it("refuses an unknown format or filter value", async () => {
    const bad = await api("/api/admin/traces/export?format=xlsx");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toBe("format must be csv or jsonl");
    expect((await api("/api/admin/traces/export?platform=fax")).status).toBe(400);
    expect((await fetch(`${ta.url}/api/admin/traces/export`)).status).toBe(401);
  });
});
