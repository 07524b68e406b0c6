/** The folder half of an admin rollback: a swap that fails half way is undone, on real files. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { CorpusArchive } from "../../src/admin/corpus-files.ts";
import { FolderSwap, planFolderRollback } from "../../src/admin/corpus-rollback.ts";
import { SUPPORTED_EXTENSIONS } from "../../src/ingest/loaders/index.ts";

const root = mkdtempSync(join(tmpdir(), "corpus-rollback-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("a swap that fails half way puts every file back and leaves no staging folder", async () => {
  const corpusDir = join(root, "corpus");
  mkdirSync(corpusDir);
  writeFileSync(join(corpusDir, "b.md"), "B");
  writeFileSync(join(corpusDir, "c.md"), "C");
  // A plain file where the folder of the last step must go: its rename fails after two steps ran.
  writeFileSync(join(corpusDir, "notes"), "not a folder");
  const swap = await FolderSwap.stage(corpusDir, [
    { path: "b.md", moveAside: true },
    { path: "c.md", moveAside: true, content: Buffer.from("C restored") },
    { path: "notes/a.md", moveAside: false, content: Buffer.from("A") },
  ]);

  await expect(swap.apply()).rejects.toThrow();
  expect(await swap.undo()).toBeUndefined();

  expect(readFileSync(join(corpusDir, "b.md"), "utf8")).toBe("B");
  expect(readFileSync(join(corpusDir, "c.md"), "utf8")).toBe("C");
  expect(existsSync(join(corpusDir, "notes/a.md"))).toBe(false);
  expect(readdirSync(corpusDir).sort()).toEqual(["b.md", "c.md", "notes"]);
});

test("a rollback plan leaves web-source pages to the database: no folder step, no warning", async () => {
  const corpusDir = join(root, "corpus-web");
  mkdirSync(corpusDir);
  writeFileSync(join(corpusDir, "a.md"), "A");
  const summary = (documentPath: string, contentHash: string) => ({
    documentPath,
    title: documentPath,
    chunkCount: 1,
    contentHash,
    ingestedAt: "2026-10-01T00:00:00.000Z",
  });
  const plan = await planFolderRollback({
    corpusDir,
    extensions: SUPPORTED_EXTENSIONS,
    archive: new CorpusArchive(join(root, "archive-web")),
    present: new Map([["a.md", "h-a"]]),
    current: [summary("a.md", "h-a"), summary("https://course.example.edu/news.html", "h-new")],
    target: [summary("a.md", "h-a"), summary("https://course.example.edu/old.html", "h-old")],
  });
  expect(plan).toEqual({ steps: [], warnings: [], blocked: [] });
});
