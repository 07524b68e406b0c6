import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Embedder, loadEmbedder } from "../../src/embed/index.ts";
import { TINY_EMBED_DIMENSION } from "../../src/fixtures/tiny-embed.ts";

const modelDir = join(inject("fixturesDir"), "tiny-embed");
const modelsDir = mkdtempSync(join(tmpdir(), "embed-cache-"));
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

function expectCloseVectors(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (let column = 0; column < expected.length; column++) {
    expect(actual[column]).toBeCloseTo(expected[column], 6);
  }
}

function dot(a: number[], b: number[]): number {
  return a.reduce((sum, value, index) => sum + value * b[index], 0);
}

const TEXTS = [
  "期中考在第九週的星期三舉行",
  "作業請上傳到課程網站，遲交扣分",
  "What is the grading policy for late homework?",
  "",
  "Transformer 的 attention 機制：每個 token 都看前面的 token。",
  "a",
  "課程大綱與評分方式：期中考 30%、期末專題 40%、作業 30%。".repeat(3),
];

describe("loadEmbedder with the tiny local model", () => {
  let embedder: Embedder;
  const warnings: string[] = [];

  beforeAll(async () => {
    const loaded = await loadEmbedder({
      model: modelDir,
      modelsDir,
      allowRemote: false,
      batchSize: 3,
      onWarning: (message) => warnings.push(message),
    });
    expect(loaded).not.toBeNull();
    embedder = loaded!;
  });

  it("loads through transformers.js offline, without warnings, with the fixture's dimension", () => {
    expect(warnings).toEqual([]);
    expect(embedder.modelId).toBe(modelDir);
    expect(embedder.dimension).toBe(TINY_EMBED_DIMENSION);
  });

  it("returns one unit-length vector per text, empty text included", async () => {
    const vectors = await embedder.embedPassages(TEXTS);
    expect(vectors).toHaveLength(TEXTS.length);
    for (const vector of vectors) {
      expect(vector).toHaveLength(TINY_EMBED_DIMENSION);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 5);
    }
  });

  it("gives the same vectors in batches as one by one, in input order", async () => {
    const oneByOne = await loadEmbedder({ model: modelDir, modelsDir, batchSize: 1, allowRemote: false });
    const batched = await embedder.embedPassages(TEXTS);
    const single = await oneByOne!.embedPassages(TEXTS);
    expect(batched).toHaveLength(single.length);
    for (let index = 0; index < single.length; index++) expectCloseVectors(batched[index], single[index]);
  });

  it("scores a Chinese query higher against a passage sharing its characters", async () => {
    const [query] = await embedder.embedQueries(["期中考是哪一週？"]);
    const [related, unrelated] = await embedder.embedPassages([
      "期中考在第九週的星期三舉行，範圍是前八週的內容。",
      "作業請上傳到課程網站，遲交會扣分。",
    ]);
    expect(dot(query, related)).toBeGreaterThan(dot(query, unrelated) + 0.1);
  });

  it("adds no prefixes for the tiny model, so queries and passages embed alike", async () => {
    const [asQuery] = await embedder.embedQueries(["課程評分"]);
    const [asPassage] = await embedder.embedPassages(["課程評分"]);
    expectCloseVectors(asQuery, asPassage);
  });

  it("returns an empty list for no texts", async () => {
    expect(await embedder.embedQueries([])).toEqual([]);
  });

  it("embeds English by words and word pieces", async () => {
    const [query, related, unrelated] = await embedder.embedPassages([
      "late homework policy",
      "The policy for late homework: ten percent off per day.",
      "期中考在第九週",
    ]);
    expect(dot(query, related)).toBeGreaterThan(dot(query, unrelated) + 0.1);
  });
});
