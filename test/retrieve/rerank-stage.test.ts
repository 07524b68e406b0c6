/** The reranker stage after fusion: reorders the best fused passages, records itself, and falls back to the fused order. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadReranker, type Reranker } from "../../src/embed/index.ts";
import { ingestCorpus } from "../../src/ingest/ingest.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { applyRerankScores } from "../../src/retrieve/rerank-stage.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";
import type { Chunk, Passage } from "../../src/types.ts";

const scratch = mkdtempSync(join(tmpdir(), "rerank-stage-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const QUESTIONS = ["作業什麼時候要交？", "期中考考什麼", "top-p 是什麼"];
let chunks: ChunkStore;

beforeAll(async () => {
  const database = await openDatabase(join(scratch, "data"));
  chunks = await ChunkStore.open(database);
  await ingestCorpus({
    corpusDir: resolve("corpus"),
    chunks,
    log: await IngestLog.open(database),
    embedder: null,
    chunkOptions: { targetChars: 450, maxChars: 630, overlapChars: 60 },
  });
});

function passage(id: string, rank: number): Passage {
  const chunk = { id, text: `text ${id}` } as Chunk;
  return {
    rank,
    chunk,
    score: 1 / (60 + rank),
    retrievers: [{ retriever: "fulltext", rank, score: 10 - rank }],
  };
}

describe("applyRerankScores", () => {
  it("orders the scored head by score, keeps the tail's fused order, and renumbers every rank", () => {
    const fused = ["a", "b", "c", "d", "e"].map((id, index) => passage(id, index + 1));
    const result = applyRerankScores(fused, [0.1, 2.5, -1, 2.5]);
    expect(result.map((item) => item.chunk.id)).toEqual(["b", "d", "a", "c", "e"]);
    expect(result.map((item) => item.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(result[0]!.retrievers).toEqual([
      { retriever: "fulltext", rank: 2, score: 8 },
      { retriever: "reranker", rank: 1, score: 2.5 },
    ]);
    expect(result[4]!.retrievers.map((hit) => hit.retriever)).toEqual(["fulltext"]);
    // The fused score stays what fusion gave.
    expect(result[0]!.score).toBe(fused[1]!.score);
  });
});

describe("a retriever with the tiny cross-encoder", () => {
  it("puts the fused candidates in the reranker's own order and records it in each passage", async () => {
    const reranker = await loadReranker({
      model: join(inject("fixturesDir"), "tiny-rerank"),
      modelsDir: join(scratch, "models"),
      allowRemote: false,
    });
    expect(reranker).not.toBeNull();
    const plain = createRetriever({ chunks, embedder: null, topK: 5 });
    const reranked = createRetriever({ chunks, embedder: null, topK: 5, reranker, rerankCandidates: 8 });
    for (const question of QUESTIONS) {
      const fused = (await createRetriever({ chunks, embedder: null, topK: 8 }).retrieve(question)).passages;
      const expectedScores = await reranker!.score(
        question,
        fused.map((item) => item.chunk.text),
      );
      const expected = fused
        .map((item, index) => ({ id: item.chunk.id, score: expectedScores[index]! }))
        .sort((a, b) => b.score - a.score);
      const { passages } = await reranked.retrieve(question);
      expect(passages).toHaveLength(5);
      expect(passages.map((item) => item.chunk.id)).toEqual(expected.slice(0, 5).map((item) => item.id));
      expect(passages.map((item) => item.rank)).toEqual([1, 2, 3, 4, 5]);
      for (const [index, item] of passages.entries()) {
        const hit = item.retrievers.find((candidate) => candidate.retriever === "reranker");
        expect(hit?.rank).toBe(index + 1);
        expect(hit?.score).toBeCloseTo(expected[index]!.score, 5);
      }
      // The same candidates as without the reranker, only in another order.
      const withoutReranker = (await plain.retrieve(question)).passages;
      expect(
        withoutReranker.every((item) => !item.retrievers.some((hit) => hit.retriever === "reranker")),
      ).toBe(true);
    }
  });

  it("keeps the fused order with one warning when RERANK_MODEL points to a missing folder", async () => {
    const warnings: string[] = [];
    const reranker = await loadReranker({
      model: join(scratch, "missing-reranker"),
      modelsDir: join(scratch, "models"),
      onWarning: (message) => warnings.push(message),
    });
    expect(reranker).toBeNull();
    const withFallback = createRetriever({
      chunks,
      embedder: null,
      reranker,
      onWarning: (m) => warnings.push(m),
    });
    const plain = createRetriever({ chunks, embedder: null });
    for (const question of QUESTIONS) {
      const expected = (await plain.retrieve(question)).passages;
      const { passages } = await withFallback.retrieve(question);
      expect(passages).toEqual(expected);
    }
    expect(warnings).toHaveLength(1);
  });

  it("keeps the fused order, warning once, when the reranker fails at query time", async () => {
    const warnings: string[] = [];
    const broken: Reranker = {
      modelId: "broken",
      maxTokens: 256,
      score: async () => {
        throw new Error("onnxruntime ran out of memory");
      },
    };
    const retriever = createRetriever({
      chunks,
      embedder: null,
      reranker: broken,
      onWarning: (m) => warnings.push(m),
    });
    const plain = createRetriever({ chunks, embedder: null });
    for (const question of QUESTIONS) {
      expect((await retriever.retrieve(question)).passages).toEqual(
        (await plain.retrieve(question)).passages,
      );
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("out of memory");
  });
});
