/**
 * The corpus folder and the database stay in step through admin changes that fail half way:
 * rollback, upload and delete, against a real LanceDB, real files and real symbolic links.
 * Failures are injected by passing the real components a function that throws.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { type CorpusAdminOptions, createCorpusAdmin } from "../../src/admin/corpus-admin.ts";
import { CorpusArchive } from "../../src/admin/corpus-files.ts";
import { AppError } from "../../src/errors.ts";
import { ingestCorpus, rollbackCorpus } from "../../src/ingest/ingest.ts";
import { SUPPORTED_EXTENSIONS } from "../../src/ingest/loaders/index.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";

const SYLLABUS = "# 評分\n\n作業佔百分之六十，期末專題佔百分之四十。\n";
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function writeInto(dir: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

/** A corpus folder with `files`, ingested once, and an admin over it (real ingest, full-text only). */
async function setup(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "corpus-consistency-"));
  roots.push(root);
  const corpusDir = join(root, "corpus");
  mkdirSync(corpusDir);
  for (const [path, text] of Object.entries(files)) writeInto(corpusDir, path, text);
  const database = await openDatabase(join(root, "data"));
  const chunks = await ChunkStore.open(database);
  const log = await IngestLog.open(database);
  const ingest = () => ingestCorpus({ corpusDir, chunks, log, embedder: null });
  const first = await ingest();
  const retriever = createRetriever({ chunks, embedder: null });
  const options: CorpusAdminOptions = {
    corpusDir,
    archiveDir: join(root, "archive"),
    chunks,
    log,
    supportedExtensions: SUPPORTED_EXTENSIONS,
    maxUploadBytes: 100_000,
    ingest,
    rollback: (version) => rollbackCorpus(chunks, log, version),
    retrieve: (question) => retriever.retrieve(question),
  };
  const documents = async () => (await chunks.listDocuments()).map((doc) => doc.documentPath);
  const read = (path: string) => readFileSync(join(corpusDir, path), "utf8");
  return { root, corpusDir, chunks, log, options, admin: createCorpusAdmin(options), first, documents, read };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("admin rollback never deletes what it cannot put back", () => {
  test("a file that was never ingested, or was edited since, stays as it is", async () => {
    const corpus = await setup({ "syllabus.md": SYLLABUS });
    await corpus.admin.upload({
      name: "a.md",
      folder: "notes",
      content: bytes("# 量子貓\n\n薛丁格的貓。\n"),
    });
    // Put in the folder by hand: a PDF that fails to parse, and an edit not ingested yet.
    const brokenPdf = Buffer.from("%PDF-1.4\nthis is not a real pdf\n");
    writeInto(corpus.corpusDir, "scans/week1.pdf", brokenPdf);
    writeInto(corpus.corpusDir, "syllabus.md", `${SYLLABUS}\n期中考取消。\n`);

    const rolledBack = await corpus.admin.rollback(corpus.first.version);

    expect(existsSync(join(corpus.corpusDir, "notes/a.md"))).toBe(false);
    expect(readFileSync(join(corpus.corpusDir, "scans/week1.pdf"))).toEqual(brokenPdf);
    expect(corpus.read("syllabus.md")).toContain("期中考取消");
    expect(rolledBack.warnings.join("\n")).toMatch(/scans\/week1\.pdf was left in the folder/);
    expect(rolledBack.warnings.join("\n")).toMatch(/syllabus\.md was left in the folder/);
    expect(await corpus.documents()).toEqual(["syllabus.md"]);
  });
});

describe("one rule for what is in the corpus, for ingest and admin", () => {
  test("a rollback to a version that holds a dot-folder document completes, with a warning", async () => {
    const corpus = await setup({ "syllabus.md": SYLLABUS, "b.md": "# 乙\n\n第二份文件。\n" });
    // A version written by an earlier release, which ingested (and archived) files inside dot-folders.
    const hidden = await new CorpusArchive(corpus.options.archiveDir).store(
      bytes("# x\n\n隱藏資料夾裡的筆記\n"),
    );
    await corpus.chunks.applyChanges({
      chunks: [
        {
          id: "notes-x-0",
          documentPath: ".notes/x.md",
          title: "x",
          location: "",
          link: "",
          text: "隱藏資料夾裡的筆記",
          words: "",
          terms: "隱藏 筆記",
          position: 0,
          contentHash: hidden,
          ingestedAt: new Date().toISOString(),
        },
      ],
      replacedPaths: [],
      dimension: 0,
      rebuild: false,
    });
    const withDotFolder = await corpus.chunks.version();
    await corpus.admin.remove("syllabus.md");
    await corpus.admin.upload({ name: "c.md", folder: "", content: bytes("# 丙\n\n第三份文件。\n") });

    const rolledBack = await corpus.admin.rollback(withDotFolder);

    expect(rolledBack.warnings.join("\n")).toMatch(/\.notes\/x\.md .*hidden folder.*not put back/);
    expect(corpus.read("syllabus.md")).toBe(SYLLABUS);
    expect(existsSync(join(corpus.corpusDir, "c.md"))).toBe(false);
    await expect(corpus.admin.remove(".notes/x.md")).rejects.toMatchObject({ code: "bad_request" });
  });
});

describe("admin rollback is all or nothing", () => {
  /** The first version has notes/a.md; later a plain file named "notes" sits where its folder must go. */
  async function corpusWhereTheFolderStepFails() {
    const corpus = await setup({ "syllabus.md": SYLLABUS, "notes/a.md": "# 甲\n\n筆記甲。\n" });
    await corpus.admin.remove("notes/a.md");
    rmSync(join(corpus.corpusDir, "notes"), { recursive: true });
    writeFileSync(join(corpus.corpusDir, "notes"), "not a document: no extension");
    await corpus.admin.upload({ name: "b.md", folder: "", content: bytes("# 乙\n\n第二份文件。\n") });
    return corpus;
  }

  test("when the folder cannot take the restored version, folder and database stay as they were", async () => {
    const corpus = await corpusWhereTheFolderStepFails();
    const versionBefore = await corpus.chunks.version();

    await expect(corpus.admin.rollback(corpus.first.version)).rejects.toThrow(
      /notes\/a\.md needs notes to be a folder, but it is a file\. Nothing was changed/,
    );

    expect(await corpus.chunks.version()).toBe(versionBefore);
    expect(await corpus.documents()).toEqual(["b.md", "syllabus.md"]);
    expect(corpus.read("b.md")).toContain("第二份文件");
    expect(corpus.read("notes")).toContain("not a document");
    expect(readdirSync(corpus.corpusDir).filter((name) => name.startsWith(".rollback"))).toEqual([]);
  });

  test("when the database step fails, the folder stays as it was (failure injected)", async () => {
    const corpus = await setup({ "syllabus.md": SYLLABUS });
    await corpus.admin.upload({ name: "b.md", folder: "", content: bytes("# 乙\n\n第二份文件。\n") });
    const admin = createCorpusAdmin({
      ...corpus.options,
      rollback: async () => {
        throw new AppError("the store is unreachable (injected)", "store_failed");
      },
    });

    await expect(admin.rollback(corpus.first.version)).rejects.toThrow(
      /store is unreachable \(injected\).*Nothing was changed/,
    );

    expect(corpus.read("b.md")).toContain("第二份文件");
    expect(await corpus.documents()).toEqual(["b.md", "syllabus.md"]);
  });

  test("when the restore is saved but what follows fails, the folder still follows it (failure injected)", async () => {
    const corpus = await setup({ "syllabus.md": SYLLABUS });
    await corpus.admin.upload({ name: "b.md", folder: "", content: bytes("# 乙\n\n第二份文件。\n") });
    const admin = createCorpusAdmin({
      ...corpus.options,
      rollback: async (version) => {
        await rollbackCorpus(corpus.chunks, corpus.log, version);
        throw new AppError("writing the ingest log failed (injected)", "store_failed");
      },
    });

    const rolledBack = await admin.rollback(corpus.first.version);

    expect(rolledBack.warnings.join("\n")).toMatch(/restore was saved, but finishing it failed/);
    expect(await corpus.documents()).toEqual(["syllabus.md"]);
    expect(existsSync(join(corpus.corpusDir, "b.md"))).toBe(false);
  });
});

describe("an upload or delete whose ingest throws leaves folder and database in step", () => {
  const failingIngest = async () => {
    throw new AppError("the embedding model is gone (injected)", "model_unavailable");
  };

  test("a failed upload leaves no file behind, and a failed replacement puts the old file back", async () => {
    const corpus = await setup({ "syllabus.md": SYLLABUS });
    const admin = createCorpusAdmin({ ...corpus.options, ingest: failingIngest });

    await expect(
      admin.upload({ name: "new.md", folder: "notes", content: bytes("# 新\n\n新的文件。\n") }),
    ).rejects.toThrow(/notes\/new\.md was not added: the ingest failed \(the embedding model is gone/);
    expect(existsSync(join(corpus.corpusDir, "notes/new.md"))).toBe(false);

    await expect(
      admin.upload({ name: "syllabus.md", folder: "", content: bytes("# 評分\n\n全部期末考。\n") }),
    ).rejects.toThrow(/syllabus\.md was not replaced/);
    expect(corpus.read("syllabus.md")).toBe(SYLLABUS);
    expect(await corpus.documents()).toEqual(["syllabus.md"]);
  });

  test("a failed delete puts the file back and the document stays searchable (store failure injected)", async () => {
    const corpus = await setup({ "syllabus.md": SYLLABUS, "b.md": "# 乙\n\n第二份文件。\n" });
    // The real store, but its write throws.
    const failingStore: ChunkStore = Object.assign(Object.create(corpus.chunks) as ChunkStore, {
      applyChanges: async () => {
        throw new AppError("writing chunks failed: disk full (injected)", "store_failed");
      },
    });
    const admin = createCorpusAdmin({
      ...corpus.options,
      ingest: () =>
        ingestCorpus({ corpusDir: corpus.corpusDir, chunks: failingStore, log: corpus.log, embedder: null }),
    });

    await expect(admin.remove("syllabus.md")).rejects.toThrow(
      /syllabus\.md was not deleted: the ingest failed \(writing chunks failed: disk full \(injected\)\)\. The file was put back/,
    );

    expect(corpus.read("syllabus.md")).toBe(SYLLABUS);
    expect(await corpus.documents()).toEqual(["b.md", "syllabus.md"]);
    const found = await corpus.options.retrieve("期末專題");
    expect(found.passages[0]?.chunk.documentPath).toBe("syllabus.md");
  });
});

describe("paths through symbolic links", () => {
  test("upload and delete refuse a sub-folder or file that is a link out of the corpus", async () => {
    const corpus = await setup({ "syllabus.md": SYLLABUS });
    const outside = join(corpus.root, "outside");
    writeInto(outside, "secret.md", "# 外面\n\n不在課程資料夾裡。\n");
    symlinkSync(outside, join(corpus.corpusDir, "linked"));
    symlinkSync(join(outside, "secret.md"), join(corpus.corpusDir, "alias.md"));

    await expect(
      corpus.admin.upload({ name: "escape.md", folder: "linked", content: bytes("# 逃\n\n寫到外面。\n") }),
    ).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/symbolic link/) });
    expect(existsSync(join(outside, "escape.md"))).toBe(false);

    await expect(corpus.admin.remove("linked/secret.md")).rejects.toMatchObject({ code: "bad_request" });
    await expect(corpus.admin.remove("alias.md")).rejects.toMatchObject({ code: "bad_request" });
    expect(existsSync(join(outside, "secret.md"))).toBe(true);
    expect(existsSync(join(corpus.corpusDir, "alias.md"))).toBe(true);
    expect(await corpus.documents()).toEqual(["syllabus.md"]);
  });
});
