/** Ingestion into a real LanceDB in a temp folder, with the generated tiny embedding model. */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Embedder, loadEmbedder } from "../../src/embed/index.ts";
import { ingestCorpus, rollbackCorpus } from "../../src/ingest/ingest.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";
import { writePdf } from "../helpers/pdf.ts";

const SYLLABUS = `---
title: 課程大綱
url: https://example.edu/syllabus
---
# 評分方式

作業佔百分之六十，期末專題佔百分之三十，課堂參與佔百分之十。

# 加退選

加退選期間為九月七日到九月十八日。逾期不受理。
`;

const TOKENS = `# Token 是什麼

語言模型不是一個字一個字讀文字，而是把文字切成 token。中文常常一個字就是一個 token，英文單字可能被切成好幾段。

## 詞彙表

模型的詞彙表決定了它認得哪些 token。
`;

const TRANSCRIPT = `1
00:00:01,000 --> 00:00:04,000
今天我們來談溫度這個參數

2
00:01:05,500 --> 00:01:09,000
溫度越高，模型的輸出越隨機
`;

function write(root: string, path: string, text: string | Buffer) {
  const full = join(root, path);
  return mkdir(dirname(full), { recursive: true }).then(() => writeFileSync(full, text));
}

describe("ingestCorpus with a real LanceDB", () => {
  let root: string;
  let corpusDir: string;
  let embedder: Embedder | null;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "ingest-test-"));
    corpusDir = join(root, "corpus");
    await write(corpusDir, "syllabus.md", SYLLABUS);
    await write(corpusDir, "lectures/tokens.md", TOKENS);
    await write(corpusDir, "lectures/temperature.srt", TRANSCRIPT);
    await write(
      corpusDir,
      "lectures/temperature.meta.json",
      JSON.stringify({ title: "第 5 講錄影：溫度", url: "https://www.youtube.com/watch?v=abc123" }),
    );
    embedder = await loadEmbedder({
      model: join(inject("fixturesDir"), "tiny-embed"),
      modelsDir: join(root, "models"),
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function open() {
    const database = await openDatabase(join(root, "data"));
    return { chunks: await ChunkStore.open(database), log: await IngestLog.open(database) };
  }

  it("ingests, skips unchanged files, replaces changed ones, removes deleted ones, and rolls back", async () => {
    expect(embedder).not.toBeNull();
    const store = await open();
    const first = await ingestCorpus({ corpusDir, ...store, embedder });
    expect(first.added.sort()).toEqual(["lectures/temperature.srt", "lectures/tokens.md", "syllabus.md"]);
    expect(first.failed).toEqual([]);
    expect(await store.chunks.vectorDimension()).toBe(embedder!.dimension);

    const documents = await store.chunks.listDocuments();
    expect(documents.map((document) => document.documentPath)).toHaveLength(3);
    const transcriptChunks = await store.chunks.chunksOf("lectures/temperature.srt");
    expect(transcriptChunks[0]!.location).toBe("00:01");
    expect(transcriptChunks[0]!.title).toBe("第 5 講錄影：溫度");
    expect(transcriptChunks[0]!.link).toBe("https://www.youtube.com/watch?v=abc123&t=1s");

    const versionBefore = await store.chunks.version();
    const again = await ingestCorpus({ corpusDir, ...store, embedder });
    expect(again.unchanged).toHaveLength(3);
    expect(again.chunksWritten).toBe(0);
    // An unchanged ingest reports the version `--versions` lists last: the first ingest's.
    expect(again.version).toBe(first.version);
    expect(await store.chunks.version()).toBe(versionBefore);

    await write(corpusDir, "lectures/tokens.md", TOKENS.replace("詞彙表決定", "詞彙表（vocabulary）決定"));
    unlinkSync(join(corpusDir, "syllabus.md"));
    const third = await ingestCorpus({ corpusDir, ...store, embedder });
    expect(third.updated).toEqual(["lectures/tokens.md"]);
    expect(third.removed).toEqual(["syllabus.md"]);
    expect(third.unchanged).toEqual(["lectures/temperature.srt"]);

    const retriever = createRetriever({ chunks: store.chunks, embedder });
    const afterRemoval = await retriever.retrieve("加退選到什麼時候？");
    expect(afterRemoval.passages.some((passage) => passage.chunk.documentPath === "syllabus.md")).toBe(false);

    await rollbackCorpus(store.chunks, store.log, first.version);
    const restored = await retriever.retrieve("加退選到什麼時候？");
    expect(restored.passages[0]!.chunk.documentPath).toBe("syllabus.md");
    const history = await store.log.list();
    expect(history.map((entry) => entry.kind)).toEqual(["ingest", "ingest", "rollback"]);
  });

  it("finds Chinese passages with non-zero full-text scores and reports each retriever", async () => {
    const store = await open();
    const retriever = createRetriever({ chunks: store.chunks, embedder, topK: 3 });
    const result = await retriever.retrieve("老師說的 token 是什麼？");
    expect(result.passages[0]!.chunk.documentPath).toBe("lectures/tokens.md");
    const fulltext = result.passages[0]!.retrievers.find((hit) => hit.retriever === "fulltext");
    expect(fulltext?.score).toBeGreaterThan(0);
    // Two lexical views (character bigrams, words) and the vector leg, fused by rank.
    expect(result.rankings.map((ranking) => ranking.retriever)).toEqual(["fulltext", "words", "vector"]);
    expect(result.rankings[1]!.hits.length).toBeGreaterThan(0);
    expect(result.rankings[2]!.hits.length).toBeGreaterThan(0);
    const vectorHit = result.passages
      .flatMap((passage) => passage.retrievers)
      .find((hit) => hit.retriever === "vector");
    expect(vectorHit?.rank).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(vectorHit?.score)).toBe(true);
  });

  it("reports a broken file by name, ingests the rest, and keeps the broken file's previous chunks", async () => {
    const store = await open();
    await write(corpusDir, "handout.pdf", "%PDF-1.4\nthis is not really a pdf");
    await write(
      corpusDir,
      "lectures/sampling.md",
      "# Top-p\n\nTop-p 取樣只從累積機率達到 p 的候選 token 中抽樣。",
    );
    const result = await ingestCorpus({ corpusDir, ...store, embedder });
    expect(result.failed.map((failure) => failure.path)).toEqual(["handout.pdf"]);
    expect(result.failed[0]!.reason).toMatch(/handout\.pdf/);
    expect(result.added).toContain("lectures/sampling.md");

    // A good document that later breaks keeps its last good version searchable.
    await write(
      corpusDir,
      "handout.pdf",
      writePdf(["Nucleus sampling keeps the smallest set of tokens whose probability reaches p."]),
    );
    const fixed = await ingestCorpus({ corpusDir, ...store, embedder });
    expect(fixed.added).toEqual(["handout.pdf"]);
    await write(corpusDir, "handout.pdf", "%PDF-1.4\ntruncated again");
    const broken = await ingestCorpus({ corpusDir, ...store, embedder });
    expect(broken.failed.map((failure) => failure.path)).toEqual(["handout.pdf"]);
    const retriever = createRetriever({ chunks: store.chunks, embedder: null });
    const hits = await retriever.retrieve("nucleus sampling smallest set");
    expect(hits.passages[0]!.chunk.documentPath).toBe("handout.pdf");
    expect(hits.passages[0]!.chunk.location).toBe("p. 1");
  });

  it("rebuilds every document when the embedding model changes (here: to none)", async () => {
    const store = await open();
    const result = await ingestCorpus({ corpusDir, ...store, embedder: null });
    expect(result.rebuilt).toBe(true);
    expect(await store.chunks.vectorDimension()).toBe(0);
    const retriever = createRetriever({ chunks: store.chunks, embedder: null });
    expect(retriever.mode).toBe("fulltext");
    const found = await retriever.retrieve("溫度越高會怎樣");
    expect(found.passages[0]!.chunk.documentPath).toBe("lectures/temperature.srt");
    expect(found.passages[0]!.retrievers.map((hit) => hit.retriever).sort()).toEqual(["fulltext", "words"]);
  });
});

/** A fresh corpus folder and LanceDB for one test; removed afterwards. */
async function withCorpus(
  files: Record<string, string>,
  test: (store: { corpusDir: string; chunks: ChunkStore; log: IngestLog }) => Promise<void>,
) {
  const root = mkdtempSync(join(tmpdir(), "ingest-case-"));
  try {
    const corpusDir = join(root, "corpus");
    for (const [path, text] of Object.entries(files)) await write(corpusDir, path, text);
    const database = await openDatabase(join(root, "data"));
    await test({ corpusDir, chunks: await ChunkStore.open(database), log: await IngestLog.open(database) });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe("a transcript saved as one long line", () => {
  it("gives every passage a human location: its place in the file", async () => {
    const sentence = "那我們今天要講的是生成式人工智慧的原理 大家可以想像語言模型就是在做文字接龍 ";
    await withCorpus({ "lecture.transcript.txt": sentence.repeat(60) }, async (store) => {
      await ingestCorpus({ ...store, embedder: null });
      const passages = await store.chunks.chunksOf("lecture.transcript.txt");
      expect(passages.length).toBeGreaterThan(3);
      expect(passages[0]!.location).toBe(`第 1/${passages.length} 段（約 0% 處）`);
      const last = passages.length;
      const lastStart = Math.round(((last - 1) / last) * 100);
      expect(passages.at(-1)!.location).toBe(`第 ${last}/${last} 段（約 ${lastStart}% 處）`);
    });
  });
});

describe("front matter lecture", () => {
  it("makes a document findable by its lecture", async () => {
    const files = {
      "notes.md": "---\n講次: 第十二講\n---\n# 補充筆記\n\n今天示範了如何評估模型。\n",
      "other.md": "# 其他\n\n這份講義介紹模型的訓練流程。\n",
    };
    await withCorpus(files, async (store) => {
      await ingestCorpus({ ...store, embedder: null });
      const result = await createRetriever({ chunks: store.chunks, embedder: null }).retrieve(
        "第十二講講了什麼",
      );
      expect(result.passages[0]!.chunk.documentPath).toBe("notes.md");
    });
  });
});

describe("a document without text", () => {
  it("is reported as failed with the reason, every run, instead of 'added'", async () => {
    const files = { "empty.md": "---\ntitle: 空白\n---\n\n", "real.md": "# 講義\n\n這份講義有內容。\n" };
    await withCorpus(files, async (store) => {
      for (let run = 0; run < 2; run++) {
        const summary = await ingestCorpus({ ...store, embedder: null });
        expect(summary.added).toEqual(run === 0 ? ["real.md"] : []);
        expect(summary.failed.map((failure) => failure.path)).toEqual(["empty.md"]);
        expect(summary.failed[0]!.reason).toMatch(/no text found/);
      }
    });
  });
});

describe("an ingest whose embedding model cannot be loaded this time", () => {
  it("leaves a corpus with vectors as it is, and rebuilds without them only when asked (EMBED_MODEL=none)", async () => {
    await withCorpus({ "notes.md": "# 筆記\n\n溫度越高，輸出越隨機。\n" }, async (store) => {
      const embedder = await loadEmbedder({
        model: join(inject("fixturesDir"), "tiny-embed"),
        modelsDir: join(store.corpusDir, "..", "models"),
      });
      await ingestCorpus({ ...store, embedder });
      const dimension = await store.chunks.vectorDimension();
      expect(dimension).toBeGreaterThan(0);
      const version = await store.chunks.version();

      const offline = ingestCorpus({
        ...store,
        embedder: null,
        unavailableEmbedModel: "Xenova/multilingual-e5-small",
      });
      await expect(offline).rejects.toThrow(/could not be loaded.*nothing was changed/);
      expect(await store.chunks.vectorDimension()).toBe(dimension);
      expect(await store.chunks.version()).toBe(version);

      const deliberate = await ingestCorpus({ ...store, embedder: null });
      expect(deliberate.rebuilt).toBe(true);
      expect(await store.chunks.vectorDimension()).toBe(0);
    });
  });
});
