/** What ingest reads from the corpus folder: the same rule the admin page checks (real files, real links). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { ingestCorpus } from "../../src/ingest/ingest.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";

const root = mkdtempSync(join(tmpdir(), "corpus-membership-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(dir: string, path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

test("ingest leaves out dot-files, files inside dot-folders and symbolic links", async () => {
  const corpusDir = join(root, "corpus");
  const outside = join(root, "outside");
  write(corpusDir, "syllabus.md", "# 評分\n\n作業佔百分之六十。\n");
  write(corpusDir, "lectures/w1.md", "# 第一週\n\n課程介紹。\n");
  write(corpusDir, ".hidden.md", "# 隱藏\n\n不該被讀。\n");
  write(corpusDir, ".notes/x.md", "# 筆記\n\n隱藏資料夾裡的筆記。\n");
  write(corpusDir, "lectures/.drafts/w2.md", "# 草稿\n\n還沒寫完。\n");
  write(outside, "secret.md", "# 外面\n\n不在課程資料夾裡。\n");
  symlinkSync(outside, join(corpusDir, "linked"));
  symlinkSync(join(outside, "secret.md"), join(corpusDir, "alias.md"));
  const database = await openDatabase(join(root, "data"));
  const chunks = await ChunkStore.open(database);

  const summary = await ingestCorpus({
    corpusDir,
    chunks,
    log: await IngestLog.open(database),
    embedder: null,
  });

  expect(summary.added).toEqual(["lectures/w1.md", "syllabus.md"]);
  expect((await chunks.listDocuments()).map((doc) => doc.documentPath)).toEqual([
    "lectures/w1.md",
    "syllabus.md",
  ]);
});
