import { describe, expect, test } from "vitest";
import { dayStartUtc, formatTime } from "../../src/admin/time.ts";
import {
  filterQuery,
  matchesTraceFilter,
  readTraceFilter,
  toStoreFilter,
} from "../../src/admin/trace-filters.ts";
import { bestRetrieverScores, isWeakRetrieval } from "../../src/admin/weak-retrieval.ts";
import { isSameOriginRequest, safeNextPath } from "../../src/http/routes/admin-auth.ts";
import { pseudonymFor, pseudonymizeIdentifiers, pseudonymousConversationId } from "../../src/pseudonym.ts";
import { type TraceSummary, traceFilterSql } from "../../src/store/index.ts";
import { passage } from "./helpers.ts";

describe("pseudonyms", () => {
  test("stable, short, per platform, and secret-dependent", () => {
    const a = pseudonymFor("secret", "discord", "123456789");
    expect(a).toMatch(/^學生-[0-9a-f]{12}$/);
    expect(pseudonymFor("secret", "discord", "123456789")).toBe(a);
    expect(pseudonymFor("secret", "line", "123456789")).not.toBe(a);
    expect(pseudonymFor("other", "discord", "123456789")).not.toBe(a);
    expect(a).not.toContain("123456789");
    expect(pseudonymFor("secret", "http", "")).toBe("匿名");
  });

  test("48 bits: 20,000 students get 20,000 different pseudonyms", () => {
    const pseudonyms = new Set<string>();
    for (let index = 0; index < 20_000; index++) pseudonyms.add(pseudonymFor("secret", "line", `U${index}`));
    expect(pseudonyms.size).toBe(20_000);
  });

  test("log lines carry pseudonyms, never a conversation id or LINE id", () => {
    const line = pseudonymizeIdentifiers(
      "secret",
      "conversation line:user:U0123456789abcdef0123456789abcdef not saved; discord:channel:1:user:2 too; Cfedcba9876543210fedcba9876543210",
    );
    expect(line).not.toMatch(/U0123456789abcdef|discord:channel|Cfedcba98/);
    expect(line).toContain(
      pseudonymousConversationId("secret", "line:user:U0123456789abcdef0123456789abcdef"),
    );
    expect(line).toMatch(/discord:對話-[0-9a-f]{12} too; 學生-[0-9a-f]{12}$/);
  });
});

describe("weak retrieval", () => {
  test("weak only when no retriever reaches its threshold", () => {
    expect(isWeakRetrieval([])).toBe(true);
    expect(isWeakRetrieval([passage({ fulltext: 2.9, vector: 0.29 })])).toBe(true);
    expect(isWeakRetrieval([passage({ fulltext: 3.5, vector: 0.1 })])).toBe(false);
    expect(isWeakRetrieval([passage({ vector: 0.31 })])).toBe(false);
    expect(isWeakRetrieval([passage({ fulltext: 1 }), passage({ fulltext: 12 }, 2)])).toBe(false);
    expect(isWeakRetrieval([passage({ fulltext: 5 })], { fulltext: 10, vector: 0.3 })).toBe(true);
  });

  test("best scores per retriever", () => {
    expect(bestRetrieverScores([passage({ fulltext: 1, vector: 0.5 }), passage({ fulltext: 4 }, 2)])).toEqual(
      {
        fulltext: 4,
        vector: 0.5,
      },
    );
  });
});

describe("time", () => {
  test("formats in the course time zone", () => {
    expect(formatTime("2026-03-01T06:03:05.000Z", "Asia/Taipei")).toBe("2026-03-01 14:03:05");
    expect(formatTime("2026-03-01T23:30:00.000Z", "Asia/Taipei")).toBe("2026-03-02 07:30:00");
    expect(formatTime("not a date", "Asia/Taipei")).toBe("not a date");
  });

  test("day starts in a time zone, across daylight saving", () => {
    expect(dayStartUtc("2026-03-01", "Asia/Taipei")).toBe("2026-02-28T16:00:00.000Z");
    expect(dayStartUtc("2026-03-01", "Asia/Taipei", 1)).toBe("2026-03-01T16:00:00.000Z");
    expect(dayStartUtc("2026-03-09", "America/New_York")).toBe("2026-03-09T04:00:00.000Z");
    expect(dayStartUtc("2026-03-08", "America/New_York")).toBe("2026-03-08T05:00:00.000Z");
    expect(dayStartUtc("03/01/2026", "Asia/Taipei")).toBeUndefined();
  });
});

describe("trace filters", () => {
  const query = (values: Record<string, string>) => (name: string) => values[name];

  test("reads, validates and splits filters", () => {
    const filter = readTraceFilter(
      query({
        platform: "discord",
        feedback: "none",
        from: "2026-03-01",
        to: "2026-03-02",
        weak: "1",
        q: " 作業 ",
      }),
    );
    expect(filter).toEqual({
      platform: "discord",
      feedback: "none",
      from: "2026-03-01",
      to: "2026-03-02",
      weak: true,
      text: "作業",
    });
    expect(toStoreFilter(filter, "Asia/Taipei")).toEqual({
      platform: "discord",
      mode: undefined,
      feedback: "none",
      from: "2026-02-28T16:00:00.000Z",
      to: "2026-03-02T16:00:00.000Z",
    });
    expect(() => readTraceFilter(query({ platform: "myspace" }))).toThrow(/platform must be one of/);
    expect(() => readTraceFilter(query({ from: "yesterday" }))).toThrow(/from must be a date/);
  });

  test("the pagination cursor narrows the upper bound", () => {
    const filter = readTraceFilter(query({ to: "2026-03-02", before: "2026-03-01T10:00:00Z" }));
    const storeFilter = toStoreFilter(filter, "Asia/Taipei");
    expect(storeFilter).toMatchObject({
      to: "2026-03-02T16:00:00.000Z",
      cursor: { createdAt: "2026-03-01T10:00:00.000Z" },
    });
    expect(traceFilterSql(storeFilter)).toBe(
      "createdAt < '2026-03-02T16:00:00.000Z' AND createdAt < '2026-03-01T10:00:00.000Z'",
    );
    // A cursor with the last trace's id: the next page starts right after that trace.
    const next = readTraceFilter(query({ before: "2026-03-01T10:00:00.000Z_trace-7" }));
    expect(next.before).toBe("2026-03-01T10:00:00.000Z_trace-7");
    expect(toStoreFilter(next, "Asia/Taipei").cursor).toEqual({
      createdAt: "2026-03-01T10:00:00.000Z",
      id: "trace-7",
    });
    expect(() => readTraceFilter(query({ before: "soon_trace-7" }))).toThrow(/before must be/);
  });

  test("in-memory matching by text, pseudonym and weak retrieval", () => {
    const trace = {
      question: "作業三什麼時候交？",
      answer: "下週五",
      passages: [passage({ fulltext: 1 })],
      platform: "discord",
      userId: "42",
    } as TraceSummary;
    const context = { weakRetrieval: { fulltext: 3, vector: 0.3 }, pseudonymOf: () => "學生-abcdef" };
    expect(matchesTraceFilter(trace, { text: "下週" }, context)).toBe(true);
    expect(matchesTraceFilter(trace, { text: "期末" }, context)).toBe(false);
    expect(matchesTraceFilter(trace, { weak: true, user: "學生-abcdef" }, context)).toBe(true);
    expect(matchesTraceFilter(trace, { user: "學生-000000" }, context)).toBe(false);
  });

  test("links keep filters and replace some", () => {
    expect(filterQuery({ platform: "line", weak: true }, { before: "2026-03-01T00:00:00.000Z" })).toBe(
      "?platform=line&weak=1&before=2026-03-01T00%3A00%3A00.000Z",
    );
    expect(filterQuery({ user: "學生-1" }, { user: undefined })).toBe("");
  });
});

describe("request checks", () => {
  const headers = (values: Record<string, string>) => new Headers(values);
  const url = "http://127.0.0.1:8787/admin/corpus/delete";

  test("same-origin: Sec-Fetch-Site first, then Origin, then Referer against Host", () => {
    expect(isSameOriginRequest(headers({ "sec-fetch-site": "same-origin" }), url)).toBe(true);
    expect(
      isSameOriginRequest(headers({ "sec-fetch-site": "cross-site", origin: "http://127.0.0.1:8787" }), url),
    ).toBe(false);
    expect(
      isSameOriginRequest(headers({ host: "127.0.0.1:8787", origin: "http://127.0.0.1:8787" }), url),
    ).toBe(true);
    expect(
      isSameOriginRequest(headers({ host: "127.0.0.1:8787", origin: "https://evil.example" }), url),
    ).toBe(false);
    expect(
      isSameOriginRequest(headers({ host: "ta.example", referer: "https://ta.example/admin/corpus" }), url),
    ).toBe(true);
    expect(
      isSameOriginRequest(
        headers({ host: "internal:8787", "x-forwarded-host": "ta.example", origin: "https://ta.example" }),
        url,
      ),
    ).toBe(true);
    expect(isSameOriginRequest(headers({ host: "127.0.0.1:8787" }), url)).toBe(false);
  });

  test("login redirects only go to admin pages", () => {
    expect(safeNextPath("/admin/traces?platform=line")).toBe("/admin/traces?platform=line");
    expect(safeNextPath("/admin")).toBe("/admin");
    for (const bad of [
      "https://evil.example",
      "//evil.example",
      "/administrator",
      "/admin\\..",
      "/admin/login",
      undefined,
    ]) {
      expect(safeNextPath(bad)).toBe("/admin");
    }
  });
});

test("only http(s) links from documents become links", async () => {
  const { safeExternalHref } = await import("../../src/admin/pages/safe-link.ts");
  expect(safeExternalHref("https://example.edu/v?t=60")).toBe("https://example.edu/v?t=60");
  expect(safeExternalHref("javascript:alert(1)")).toBeUndefined();
  expect(safeExternalHref("data:text/html,<script>")).toBeUndefined();
  expect(safeExternalHref("")).toBeUndefined();
});
