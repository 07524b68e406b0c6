/** Trace retention and the admin list query against a real LanceDB trace table. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { deleteExpiredTraces } from "../../src/admin/retention.ts";
import { createLogger } from "../../src/log.ts";
import { openDatabase, TraceStore } from "../../src/store/index.ts";
import type { Trace } from "../../src/types.ts";
import { sampleTrace } from "../helpers/traces.ts";
import { passage } from "./helpers.ts";

const DAY_MS = 86_400_000;
const NOW = Date.parse("2026-11-23T12:00:00Z");

const trace = (id: string, daysAgo: number, extra: Partial<Trace> = {}): Trace =>
  sampleTrace(id, new Date(NOW - daysAgo * DAY_MS).toISOString(), {
    passages: [passage({ fulltext: 5 })],
    prompt: "<|im_start|>user\nquestion<|im_end|>\n",
    ...extra,
  });

let root: string;
let traces: TraceStore;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "admin-traces-"));
  traces = await TraceStore.open(await openDatabase(root));
  for (const item of [
    trace("new", 1, { feedback: "up", platform: "line" }),
    trace("mid", 100, { mode: "retrieval-only" }),
    trace("old", 181),
    trace("older", 400),
  ]) {
    await traces.save(item);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("listSummaries filters in the database, leaves out prompts, newest first", async () => {
  const all = await traces.listSummaries();
  expect(all.map((item) => item.id)).toEqual(["new", "mid", "old", "older"]);
  expect("prompt" in all[0]!).toBe(false);
  expect(all[0]!.passages[0]!.retrievers[0]!.score).toBe(5);
  expect((await traces.listSummaries({ platform: "line" })).map((item) => item.id)).toEqual(["new"]);
  expect((await traces.listSummaries({ feedback: "none" })).map((item) => item.id)).toEqual([
    "mid",
    "old",
    "older",
  ]);
  expect((await traces.listSummaries({ mode: "retrieval-only" })).map((item) => item.id)).toEqual(["mid"]);
  const window = {
    from: new Date(NOW - 200 * DAY_MS).toISOString(),
    to: new Date(NOW - 2 * DAY_MS).toISOString(),
  };
  expect((await traces.listSummaries(window)).map((item) => item.id)).toEqual(["mid", "old"]);
  expect((await traces.listSummaries({ conversationId: "conversation-mid" })).map((item) => item.id)).toEqual(
    ["mid"],
  );
});

test("traces older than the retention period are deleted", async () => {
  const logs: string[] = [];
  const logger = createLogger({ write: (line) => logs.push(line) });
  const deleted = await deleteExpiredTraces({ traces, days: 180, logger, now: () => NOW });
  expect(deleted).toBe(2);
  expect((await traces.listSummaries()).map((item) => item.id)).toEqual(["new", "mid"]);
  expect(logs.join("\n")).toMatch(/deleted 2 trace\(s\) older than 180 days/);
  expect(await deleteExpiredTraces({ traces, days: 180, logger, now: () => NOW })).toBe(0);
});
