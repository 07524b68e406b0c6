/** Corpus changes from the admin page against a real LanceDB and the real (full-text only) ingest. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CorpusAdmin, createCorpusAdmin } from "../../src/admin/corpus-admin.ts";
import {
  CorpusArchive,
  defaultArchiveDir,
  resolveInCorpus,
  uploadPath,
} from "../../src/admin/corpus-files.ts";
import { ingestCorpus, rollbackCorpus } from "../../src/ingest/ingest.ts";
import { SUPPORTED_EXTENSIONS } from "../../src/ingest/loaders/index.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";
import { writeDocx, writeNotebook, writePptx } from "../helpers/course-files.ts";

const EXTENSIONS = SUPPORTED_EXTENSIONS;

describe("safe corpus paths", () => {
  test("upload names lose directories and unsafe characters, keep Chinese", () => {
    expect(uploadPath("第三週 講義.md", "", EXTENSIONS)).toBe("第三週-講義.md");
    expect(uploadPath("../../etc/passwd.md", "", EXTENSIONS)).toBe("passwd.md");
    expect(uploadPath("C:\\Users\\ta\\notes.TXT", "lectures", EXTENSIONS)).toBe("lectures/notes.txt");
    expect(uploadPath(".hidden.md", "", EXTENSIONS)).toBe("hidden.md");
    expect(uploadPath("a<b>|c.srt", "week 1/slides", EXTENSIONS)).toBe("week-1/slides/a-b-c.srt");
  });

  test("refuses unsupported types, empty names and escaping folders", () => {
    expect(() => uploadPath("run.sh", "", EXTENSIONS)).toThrow(/not a supported document/);
    expect(() => uploadPath("notes", "", EXTENSIONS)).toThrow(/not a supported document/);
    expect(() => uploadPath(".md", "", EXTENSIONS)).toThrow();
    expect(() => uploadPath("a.md", "../outside", EXTENSIONS)).toThrow(/folder/);
    expect(() => uploadPath("a.md", "a/./b", EXTENSIONS)).toThrow(/folder/);
  });

  test("document paths must stay inside the corpus", () => {
    const root = "/srv/corpus";
    expect(resolveInCorpus(root, "lectures/w1.md", EXTENSIONS)).toBe("/srv/corpus/lectures/w1.md");
    for (const bad of [
      "../secret.md",
      "/etc/passwd.md",
      "a/../../b.md",
      "a\\b.md",
      ".archive/x.md",
      "a//b.md",
      "x.sh",
    ]) {
      expect(() => resolveInCorpus(root, bad, EXTENSIONS)).toThrow();
    }
  });

  test("the archive goes beside a local database, else inside the corpus folder", () => {
    expect(defaultArchiveDir("/c", "/d")).toBe("/d/corpus-archive");
    expect(defaultArchiveDir("/c", "s3://bucket/ta")).toBe("/c/.archive");
  });
});

describe("createCorpusAdmin", () => {
  let root: string;
  let corpusDir: string;
  let admin: CorpusAdmin;
  let chunks: ChunkStore;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "corpus-admin-"));
    corpusDir = join(root, "corpus");
    mkdirSync(corpusDir);
    writeFileSync(join(corpusDir, "syllabus.md"), "# 評分\n\n作業佔百分之六十，期末專題佔百分之四十。\n");
    const database = await openDatabase(join(root, "data"));
    chunks = await ChunkStore.open(database);
    const log = await IngestLog.open(database);
    const ingest = () => ingestCorpus({ corpusDir, chunks, log, embedder: null });
    await ingest();
    const retriever = createRetriever({ chunks, embedder: null });
    admin = createCorpusAdmin({
      corpusDir,
      archiveDir: join(root, "archive"),
      chunks,
      log,
      supportedExtensions: EXTENSIONS,
      maxUploadBytes: 10_000,
      ingest,
      rollback: (version) => rollbackCorpus(chunks, log, version),
      retrieve: (question) => retriever.retrieve(question),
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const upload = (name: string, text: string | Uint8Array, folder = "") =>
    admin.upload({ name, folder, content: typeof text === "string" ? new TextEncoder().encode(text) : text });

  test("upload, find, replace, delete, roll back: each a new version, and the folder follows", async () => {
    const first = await upload("量子.md", "# 量子貓\n\n薛丁格的量子貓同時活著也死了。\n", "notes");
    expect(first.summary).toMatch(/^added notes\/量子.md: 1 added/);
    const afterUpload = first.version;
    expect((await admin.documents()).map((doc) => doc.documentPath)).toEqual([
      "notes/量子.md",
      "syllabus.md",
    ]);
    const found = await admin.retrieve("量子貓");
    expect(found.passages[0]?.chunk.documentPath).toBe("notes/量子.md");

    const same = await upload("量子.md", "# 量子貓\n\n薛丁格的量子貓同時活著也死了。\n", "notes");
    expect(same.summary).toMatch(/^unchanged/);

    const removed = await admin.remove("syllabus.md");
    expect(removed.summary).toMatch(/1 removed/);
    expect(existsSync(join(corpusDir, "syllabus.md"))).toBe(false);

    const history = await admin.history();
    expect(history[0]!.version).toBe(removed.version);
    const beforeUpload = history.find((record) => record.version < afterUpload)!.version;
    const rolledBack = await admin.rollback(beforeUpload);
    expect(rolledBack.warnings).toEqual([]);
    expect((await admin.documents()).map((doc) => doc.documentPath)).toEqual(["syllabus.md"]);
    // The folder matches the restored version, so the next ingest does not undo the rollback.
    expect(existsSync(join(corpusDir, "notes/量子.md"))).toBe(false);
    expect(readFileSync(join(corpusDir, "syllabus.md"), "utf8")).toContain("作業佔百分之六十");
    const again = await admin.reingest();
    expect(again.summary).toMatch(/nothing changed/);
    expect((await admin.history())[0]!.kind).toBe("rollback");
  });

  test("refuses oversized, empty, unsupported and unreadable uploads, leaving the folder as it was", async () => {
    await expect(upload("big.md", "字".repeat(5000))).rejects.toMatchObject({ code: "payload_too_large" });
    await expect(upload("empty.md", "")).rejects.toMatchObject({ code: "bad_request" });
    await expect(upload("tool.exe", "MZ")).rejects.toMatchObject({ code: "bad_request" });
    await expect(upload("broken.md", new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28]))).rejects.toMatchObject({
      code: "parse_failed",
    });
    expect(existsSync(join(corpusDir, "broken.md"))).toBe(false);
    await expect(admin.remove("nothing-here.md")).rejects.toMatchObject({ code: "not_found" });
    await expect(admin.remove("../escape.md")).rejects.toMatchObject({ code: "bad_request" });
  });

  test("accepts Word, notebooks and web pages within the size limit; a broken replacement keeps the old one", async () => {
    const docx = await writeDocx([{ heading: "補考規則" }, { text: "因病缺考者可申請補考一次。" }]);
    expect((await admin.upload({ name: "補考.docx", folder: "rules", content: docx })).summary).toMatch(
      /^added rules\/補考\.docx/,
    );
    const notebook = writeNotebook([{ markdown: "# 作業三\n微調語言模型" }, { code: "model.fit()" }]);
    expect((await upload("hw3.ipynb", notebook)).summary).toMatch(/^added hw3\.ipynb/);
    expect(
      (await upload("faq.html", "<main><h2 id='q1'>停修</h2><p>停修期限到第十週。</p></main>")).summary,
    ).toMatch(/^added faq\.html/);
    expect((await admin.retrieve("補考一次")).passages[0]?.chunk.documentPath).toBe("rules/補考.docx");
    expect((await admin.retrieve("停修期限")).passages[0]?.chunk.location).toBe("停修");

    // Slides with their layouts and theme are larger than this admin's 10 kB limit.
    const slides = await writePptx([{ title: "第一講" }]);
    await expect(admin.upload({ name: "w1.pptx", folder: "", content: slides })).rejects.toMatchObject({
      code: "payload_too_large",
    });
    await expect(upload("補考.docx", "PK not a document", "rules")).rejects.toMatchObject({
      code: "parse_failed",
      message: expect.stringMatching(/rules\/補考\.docx.*Word/),
    });
    expect(readFileSync(join(corpusDir, "rules/補考.docx"))).toEqual(docx);
    expect((await admin.retrieve("補考一次")).passages[0]?.chunk.documentPath).toBe("rules/補考.docx");
  });

  test("the archive keeps each content once, by hash", async () => {
    const archive = new CorpusArchive(join(root, "archive2"));
    const hash = await archive.store(new TextEncoder().encode("abc"));
    expect(await archive.store(new TextEncoder().encode("abc"))).toBe(hash);
    expect((await archive.read(hash))?.toString()).toBe("abc");
    expect(await archive.read("0".repeat(64))).toBeUndefined();
  });
});
