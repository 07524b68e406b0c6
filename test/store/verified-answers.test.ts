/** Verified answers in a real LanceDB: edits, served counts, and restoring them as of a time. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { openDatabase } from "../../src/store/index.ts";
import { isServable, VerifiedAnswerStore } from "../../src/store/verified-answers.ts";

let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

async function openStore() {
  folder = mkdtempSync(join(tmpdir(), "verified-store-"));
  const database = await openDatabase(folder);
  return { database, store: await VerifiedAnswerStore.open(database) };
}

test("add, edit, retire, remove; served counts come from a table of their own", async () => {
  const { store, database } = await openStore();
  const added = await store.add({
    question: "HW2 何時截止？",
    answer: "10/22 23:59",
    sources: [{ title: "大綱", link: "" }],
  });
  expect((await store.list()).map((answer) => answer.id)).toEqual([added.id]);
  const versionBefore = await store.version();
  const edited = await store.update(added.id, { answer: "10/22（四）23:59", status: "retired" });
  expect(edited.answer).toBe("10/22（四）23:59");
  expect(await store.version()).toBeGreaterThan(versionBefore);
  expect(isServable(edited, new Date())).toBe(false);
  await store.recordServed(added.id, "trace-1");
  await store.recordServed(added.id, "trace-2");
  expect((await store.servedCounts()).get(added.id)).toBe(2);
  expect(await store.servedFor("trace-2")).toBe(added.id);
  // Reopened by name (as on an object store), the rows are there.
  const reopened = await VerifiedAnswerStore.open(database);
  expect((await reopened.get(added.id))?.answer).toBe("10/22（四）23:59");
  await store.remove(added.id);
  expect(await store.list()).toEqual([]);
  await expect(store.update("nope", { answer: "x" })).rejects.toMatchObject({ code: "not_found" });
});

test("an expiry date stops serving after it", async () => {
  const { store } = await openStore();
  const answer = await store.add({ question: "q", answer: "a", expiresAt: "2026-12-31T16:00:00.000Z" });
  expect(isServable(answer, new Date("2026-12-01T00:00:00Z"))).toBe(true);
  expect(isServable(answer, new Date("2027-01-01T00:00:00Z"))).toBe(false);
});

test("restoreAsOf brings back the answers as they were at a time, as a new version", async () => {
  const { store } = await openStore();
  const first = await store.add({ question: "第一題", answer: "一" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const checkpoint = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await store.add({ question: "第二題", answer: "二" });
  await store.update(first.id, { answer: "改過" });
  await store.restoreAsOf(checkpoint);
  const restored = await store.list();
  expect(restored.map((answer) => answer.answer)).toEqual(["一"]);
  // Before any answer existed: none.
  await store.restoreAsOf("2000-01-01T00:00:00Z");
  expect(await store.list()).toEqual([]);
});
