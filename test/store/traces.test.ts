/** Trace filters as data: the one SQL builder, the cursor, and paging through a real LanceDB table. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createLogger } from "../../src/log.ts";
import {
  formatTraceCursor,
  openDatabase,
  parseTraceCursor,
  type TraceCursor,
  type TraceFilter,
  TraceStore,
  traceFilterSql,
} from "../../src/store/index.ts";
import type { Trace } from "../../src/types.ts";
import { sampleTrace as trace } from "../helpers/traces.ts";

const HOUR_MS = 3_600_000;
const NOW = Date.parse("2026-11-23T12:00:00Z");

describe("traceFilterSql", () => {
  test("no filter selects everything", () => {
    expect(traceFilterSql({})).toBeUndefined();
    expect(traceFilterSql({ limit: 5 })).toBeUndefined();
  });

  test("every field, in one conjunction", () => {
    expect(
      traceFilterSql({
        platform: "line",
        conversationId: "line:user:U1",
        mode: "retrieval-only",
        feedback: "down",
        from: "2026-03-01T00:00:00.000Z",
        to: "2026-03-02T00:00:00.000Z",
        cursor: { createdAt: "2026-03-01T10:00:00.000Z", id: "trace-7" },
        limit: 10,
      }),
    ).toBe(
      [
        "platform = 'line'",
        "conversationId = 'line:user:U1'",
        "mode = 'retrieval-only'",
        "feedback = 'down'",
        "createdAt >= '2026-03-01T00:00:00.000Z'",
        "createdAt < '2026-03-02T00:00:00.000Z'",
        "createdAt <= '2026-03-01T10:00:00.000Z'",
        "(createdAt < '2026-03-01T10:00:00.000Z' OR id < 'trace-7')",
      ].join(" AND "),
    );
  });

  test('feedback "none" means no feedback was given', () => {
    expect(traceFilterSql({ feedback: "none" })).toBe("feedback = ''");
    expect(traceFilterSql({ feedback: "up" })).toBe("feedback = 'up'");
  });

  test("a cursor without an id means strictly older than its time", () => {
    expect(traceFilterSql({ cursor: { createdAt: "2026-03-01T10:00:00.000Z" } })).toBe(
      "createdAt < '2026-03-01T10:00:00.000Z'",
    );
  });

  test("quotes are doubled and backslashes kept as they are, in every value", () => {
    const nasty = `it's a \\ path\\'`;
    const quoted = `'it''s a \\ path\\'''`;
    expect(
      traceFilterSql({
        platform: nasty,
        conversationId: nasty,
        mode: nasty,
        from: nasty,
        to: nasty,
        cursor: { createdAt: nasty, id: nasty },
      }),
    ).toBe(
      [
        `platform = ${quoted}`,
        `conversationId = ${quoted}`,
        `mode = ${quoted}`,
        `createdAt >= ${quoted}`,
        `createdAt < ${quoted}`,
        `createdAt <= ${quoted}`,
        `(createdAt < ${quoted} OR id < ${quoted})`,
      ].join(" AND "),
    );
  });
});

describe("trace cursor text", () => {
  test("round trip, with and without an id", () => {
    const cursor: TraceCursor = { createdAt: "2026-03-01T10:00:00.000Z", id: "a_b'c" };
    expect(formatTraceCursor(cursor)).toBe("2026-03-01T10:00:00.000Z_a_b'c");
    expect(parseTraceCursor(formatTraceCursor(cursor))).toEqual(cursor);
    expect(parseTraceCursor("2026-03-01T10:00:00Z")).toEqual({ createdAt: "2026-03-01T10:00:00.000Z" });
    expect(parseTraceCursor("2026-03-01T10:00:00.000Z_")).toEqual({ createdAt: "2026-03-01T10:00:00.000Z" });
    expect(parseTraceCursor("yesterday")).toBeUndefined();
    expect(parseTraceCursor("yesterday_trace-1")).toBeUndefined();
  });
});

describe("TraceStore over a real LanceDB table", () => {
  let root: string;
  let store: TraceStore;
  /** Every trace, newest first by (createdAt, id) descending. */
  let expected: Trace[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "store-traces-"));
    store = await TraceStore.open(await openDatabase(root), {
      logger: createLogger({ write: () => {} }),
      flushDelayMs: 1,
    });
    // 150 traces in runs that share a timestamp, from seconds to a year old, so paging crosses
    // equal timestamps and every look-back window.
    const ages = [0, 0, 0.5, 3, 30, 30, 24 * 10, 24 * 100, 24 * 365];
    const traces: Trace[] = [];
    for (let index = 0; index < 150; index++) {
      const createdAt = new Date(NOW - ages[index % ages.length]! * HOUR_MS).toISOString();
      const id = `trace-${String((index * 37) % 150).padStart(3, "0")}`;
      traces.push(trace(id, createdAt, { platform: index % 3 === 0 ? "line" : "discord" }));
    }
    // Written in several batches (several fragments), in an order unrelated to time or id.
    for (let start = 0; start < traces.length; start += 40) {
      await store.save(traces.slice(start, start + 40), { flush: true });
    }
    expected = [...traces].sort((a, b) =>
      a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
    );
  });
  afterAll(async () => {
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function pageThrough(
    filter: TraceFilter,
    read: (filter: TraceFilter) => Promise<{ id: string; createdAt: string }[]>,
  ): Promise<string[]> {
    const seen: string[] = [];
    let cursor: TraceCursor | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await read({ ...filter, cursor });
      seen.push(...page.map((item) => item.id));
      if (page.length < filter.limit!) return seen;
      const last = page.at(-1)!;
      // Through the text form, as the admin page and the API hand it out.
      cursor = parseTraceCursor(formatTraceCursor({ createdAt: last.createdAt, id: last.id }));
    }
    throw new Error("paging does not end");
  }

  test("list pages newest first through equal timestamps, none twice and none lost", async () => {
    const ids = await pageThrough({ limit: 7 }, (filter) => store.list(filter));
    expect(ids).toEqual(expected.map((item) => item.id));
  });

  test("listSummaries pages the same way with a filter", async () => {
    const ids = await pageThrough({ platform: "line", limit: 4 }, (filter) => store.listSummaries(filter));
    expect(ids).toEqual(expected.filter((item) => item.platform === "line").map((item) => item.id));
  });

  test("every trace shares one timestamp: the id alone orders the pages", async () => {
    const sameRoot = mkdtempSync(join(tmpdir(), "store-traces-same-"));
    const same = await TraceStore.open(await openDatabase(sameRoot), { flushDelayMs: 1 });
    try {
      const at = new Date(NOW).toISOString();
      const traces = Array.from({ length: 60 }, (_, index) => trace(`same-${(index * 7) % 60}`, at));
      await same.save(traces, { flush: true });
      const ids = await pageThrough({ limit: 9 }, (filter) => same.list(filter));
      expect(ids).toEqual(traces.map((item) => item.id).sort((a, b) => (a < b ? 1 : -1)));
    } finally {
      await same.close();
      rmSync(sameRoot, { recursive: true, force: true });
    }
  });

  test("countMatching counts what is left after a cursor", async () => {
    const cursor = { createdAt: expected[10]!.createdAt, id: expected[10]!.id };
    expect(await store.countMatching({ cursor })).toBe(expected.length - 11);
    expect(await store.countMatching({ cursor, limit: 3 })).toBe(expected.length - 11);
  });

  test("a time-only cursor returns what is strictly older", async () => {
    const at = expected[0]!.createdAt;
    const older = await store.listSummaries({ cursor: { createdAt: at } });
    expect(older.map((item) => item.id)).toEqual(
      expected.filter((item) => item.createdAt < at).map((item) => item.id),
    );
  });

  test("values holding quotes and backslashes match exactly", async () => {
    const nasty = `it's a \\ path\\' --`;
    await store.save([
      trace("quoted", new Date(NOW - 1).toISOString(), { conversationId: nasty }),
      trace("unquoted", new Date(NOW - 2).toISOString(), { conversationId: "it" }),
    ]);
    expect((await store.list({ conversationId: nasty })).map((item) => item.id)).toEqual(["quoted"]);
    expect(await store.countMatching({ conversationId: nasty })).toBe(1);
  });
});
