/** Compaction shared by the trace and conversation tables: failures are logged, never thrown or lost. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { createLogger } from "../../src/log.ts";
import { BackgroundCompaction, compactTable } from "../../src/store/compaction.ts";
import { ConversationStore, openDatabase } from "../../src/store/index.ts";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Lets queued promise callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

function collectingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (line) => lines.push(line) }) };
}

/** A real table of a few fragments whose data files were then deleted, so optimize() fails. */
async function tableWithLostFiles() {
  const root = mkdtempSync(join(tmpdir(), "store-compaction-"));
  roots.push(root);
  const database = await openDatabase(root);
  const table = await database.createTable("items", [{ id: "a" }]);
  for (const id of ["b", "c", "d"]) await table.add([{ id }]);
  rmSync(join(root, "items.lance", "data"), { recursive: true, force: true });
  return table;
}

test("compactTable compacts a healthy table", async () => {
  const root = mkdtempSync(join(tmpdir(), "store-compaction-"));
  roots.push(root);
  const table = await (await openDatabase(root)).createTable("items", [{ id: "a" }]);
  for (const id of ["b", "c"]) await table.add([{ id }]);
  const { lines, logger } = collectingLogger();
  let prepared = false;
  const ok = await compactTable(table, {
    what: "items",
    logger,
    prepare: async () => {
      prepared = true;
    },
  });
  expect(ok).toBe(true);
  expect(prepared).toBe(true);
  expect(lines).toEqual([]);
  expect(await table.countRows()).toBe(3);
});

test("a failing compaction of a real table is logged, not thrown", async () => {
  const table = await tableWithLostFiles();
  const { lines, logger } = collectingLogger();
  expect(await compactTable(table, { what: "items", logger })).toBe(false);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/WARN .*compacting the items table failed.*Not found/);
});

test("ConversationStore reports a failed compaction through its logger", async () => {
  const root = mkdtempSync(join(tmpdir(), "store-compaction-"));
  roots.push(root);
  const { lines, logger } = collectingLogger();
  const conversations = await ConversationStore.open(await openDatabase(root), { logger });
  for (let index = 0; index < 3; index++) {
    await conversations.appendExchange("c1", { question: "q", answer: "a", traceId: `t${index}`, at: "x" });
  }
  rmSync(join(root, "conversations.lance", "data"), { recursive: true, force: true });
  await conversations.compact();
  expect(lines.join("\n")).toMatch(/compacting the conversations table failed/);
  await conversations.close();
});

test("background compaction runs once per threshold, one at a time, and logs failures", async () => {
  // Injected: a table whose optimize() throws, to count runs and time them (the real-table failure is above).
  let runs = 0;
  let release: () => void = () => {};
  const table = {
    optimize: async () => {
      runs++;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      throw new Error("disk full");
    },
  };
  const { lines, logger } = collectingLogger();
  const background = new BackgroundCompaction(table, { what: "traces", logger, everyWrites: 10 });
  background.recordWrites(9);
  expect(runs).toBe(0);
  background.recordWrites(1); // passes 10
  await tick();
  expect(runs).toBe(1);
  background.recordWrites(15); // passes 20 while the first run is still going: not started twice
  expect(runs).toBe(1);
  release();
  await background.idle();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/WARN .*compacting the traces table failed.*disk full/);
  background.recordWrites(10); // passes 30
  await tick();
  expect(runs).toBe(2);
  release();
  await background.idle();
  expect(lines).toHaveLength(2);
});
