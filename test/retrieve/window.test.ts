/**
 * Small-to-big passages: a found chunk widened with its neighbours up to RETRIEVAL_PASSAGE_CHARS
 * (the first passage up to RETRIEVAL_FIRST_PASSAGE_CHARS).
 * The pure widening, then the retriever over a real LanceDB in a temp folder (full-text only).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ingestCorpus } from "../../src/ingest/ingest.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { cutAtBoundary, joinNeighbours, widenPassages } from "../../src/retrieve/window.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";
import type { Chunk, Passage } from "../../src/types.ts";

function chunk(documentPath: string, position: number, text: string): Chunk {
  return {
    id: `${documentPath}#${position}`,
    documentPath,
    title: documentPath,
    location: "",
    link: "",
    text,
    position,
    contentHash: "h",
  };
}

function passage(found: Chunk, rank: number): Passage {
  return { rank, chunk: found, score: 1 / rank, retrievers: [{ retriever: "fulltext", rank, score: 1 }] };
}

const doc = [
  chunk("a.md", 0, "甲".repeat(100)),
  chunk("a.md", 1, "乙".repeat(100)),
  chunk("a.md", 2, "丙".repeat(100)),
  chunk("a.md", 3, "丁".repeat(100)),
];

describe("widenPassages", () => {
  it("adds the following chunk, then the preceding one, while the passage fits the cap", () => {
    const [widened] = widenPassages([passage(doc[1]!, 1)], doc, { maxChars: 310, limit: 5 });
    expect(widened!.chunk.text).toBe(`${"甲".repeat(100)}\n${"乙".repeat(100)}\n${"丙".repeat(100)}`);
    expect(widened!.chunk.id).toBe("a.md#1");
  });

  it("lets the first passage grow further than the rest (firstMaxChars)", () => {
    const other = [chunk("d.md", 0, "戊".repeat(100)), chunk("d.md", 1, "己".repeat(100))];
    const widened = widenPassages([passage(doc[1]!, 1), passage(other[0]!, 2)], [...doc, ...other], {
      maxChars: 100,
      firstMaxChars: 310,
      limit: 5,
    });
    expect(widened.map((found) => [...found.chunk.text].length)).toEqual([302, 100]);
    // Without firstMaxChars every passage has the same cap.
    const even = widenPassages([passage(doc[1]!, 1), passage(other[0]!, 2)], [...doc, ...other], {
      maxChars: 100,
      limit: 5,
    });
    expect(even.map((found) => [...found.chunk.text].length)).toEqual([100, 100]);
  });

  it("takes the start of a neighbour that does not fit whole, cut at a sentence end", () => {
    const sentences = chunk("b.md", 1, "第一句話說完了。第二句話也說完了。第三句話還沒有說完就到了上限");
    const found = chunk("b.md", 0, "問題的字都在這裡。");
    const [widened] = widenPassages([passage(found, 1)], [found, sentences], { maxChars: 30, limit: 5 });
    expect(widened!.chunk.text).toBe("問題的字都在這裡。\n第一句話說完了。第二句話也說完了。");
    expect([...widened!.chunk.text].length).toBeLessThanOrEqual(30);
  });

  it("drops a passage already inside a better-ranked one and lets the next move up", () => {
    const other = chunk("c.md", 0, "別的文件");
    const widened = widenPassages(
      [passage(doc[1]!, 1), passage(doc[2]!, 2), passage(other, 3)],
      [...doc, other],
      { maxChars: 250, limit: 5 },
    );
    expect(widened.map((item) => item.chunk.id)).toEqual(["a.md#1", "c.md#0"]);
    expect(widened.map((item) => item.rank)).toEqual([1, 2]);
  });

  it("never passes the cap, and leaves passages alone when nothing fits", () => {
    const widened = widenPassages(
      doc.map((item, index) => passage(item, index + 1)),
      doc,
      { maxChars: 100, limit: 2 },
    );
    expect(widened).toHaveLength(2);
    for (const item of widened) expect([...item.chunk.text].length).toBeLessThanOrEqual(100);
  });

  it("says the chunker's overlap once when joining neighbours", () => {
    expect(joinNeighbours("前一段的最後一句是這個句子。", "最後一句是這個句子。接著是新的內容")).toBe(
      "前一段的最後一句是這個句子。接著是新的內容",
    );
    expect(cutAtBoundary("短", 10)).toBe("短");
  });
});

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe("retrieval with widened passages (real LanceDB)", () => {
  it("shows the answer that follows the words the question shares, within the cap", async () => {
    const root = mkdtempSync(join(tmpdir(), "window-"));
    roots.push(root);
    const corpusDir = join(root, "corpus");
    mkdirSync(corpusDir);
    // One block of sentences, chunked small: the question's words in one chunk, the answer in the next.
    const filler = (topic: string) => `${topic}是另一個主題，這裡只是為了讓文件夠長而寫的句子。`.repeat(3);
    writeFileSync(
      join(corpusDir, "notes.md"),
      `# 筆記\n\n${filler("天氣")}老師舉了一個像素接龍的例子：一張大圖要接幾次才畫得完？` +
        `答案是大約一百萬次，所以這個方法太慢。${filler("午餐")}\n`,
    );
    const database = await openDatabase(join(root, "data"));
    const chunks = await ChunkStore.open(database);
    await ingestCorpus({
      corpusDir,
      chunks,
      log: await IngestLog.open(database),
      embedder: null,
      chunkOptions: { targetChars: 40, maxChars: 60, overlapChars: 0 },
    });
    const question = "像素接龍的例子要接幾次";
    const plain = await createRetriever({ chunks, embedder: null }).retrieve(question);
    expect(plain.passages[0]!.chunk.text).not.toContain("一百萬次");
    const widened = await createRetriever({ chunks, embedder: null, passageChars: 120 }).retrieve(question);
    expect(widened.passages[0]!.chunk.text).toContain("像素接龍");
    expect(widened.passages[0]!.chunk.text).toContain("一百萬次");
    for (const item of widened.passages) expect([...item.chunk.text].length).toBeLessThanOrEqual(120);
  });
});
