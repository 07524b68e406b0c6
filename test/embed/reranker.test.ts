/** The tiny cross-encoder from `npm run fixtures`, loaded by the real transformers.js offline, and the reranker's fallback. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { loadReranker, RECOMMENDED_RERANK_MODEL, type RerankerOptions } from "../../src/embed/index.ts";
import { writeTinyRerankModel } from "../../src/fixtures/tiny-rerank.ts";

const tinyRerankDir = join(inject("fixturesDir"), "tiny-rerank");
const scratch = mkdtempSync(join(tmpdir(), "reranker-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function load(options: Omit<RerankerOptions, "modelsDir" | "onWarning">) {
  const warnings: string[] = [];
  const reranker = await loadReranker({
    modelsDir: join(scratch, "cache"),
    allowRemote: false,
    ...options,
    onWarning: (message) => warnings.push(message),
  });
  return { reranker, warnings };
}

const QUESTION = "作業什麼時候要交？";
const PASSAGES = [
  "作業每週五晚上十一點五十九分前上傳。",
  "期中考在第九週，範圍是前八週。",
  "top-p sampling keeps the smallest set of tokens",
];

describe("the tiny cross-encoder fixture", () => {
  it("writes byte-identical files on every run", async () => {
    const again = join(scratch, "again");
    await writeTinyRerankModel(again);
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
      expect(readFileSync(join(again, file)).equals(readFileSync(join(tinyRerankDir, file))), file).toBe(
        true,
      );
    }
  });

  it("loads offline and gives one finite score per passage, the same on every call", async () => {
    const { reranker, warnings } = await load({ model: tinyRerankDir });
    expect(warnings).toEqual([]);
    expect(reranker?.modelId).toBe(tinyRerankDir);
    const first = await reranker!.score(QUESTION, PASSAGES);
    expect(first).toHaveLength(PASSAGES.length);
    for (const score of first) expect(Number.isFinite(score)).toBe(true);
    expect(new Set(first).size).toBe(PASSAGES.length);
    expect(await reranker!.score(QUESTION, PASSAGES)).toEqual(first);
    expect(await reranker!.score(QUESTION, [])).toEqual([]);
  });

  it("scores a pair the same alone as beside longer passages (padding is masked)", async () => {
    const { reranker } = await load({ model: tinyRerankDir });
    const together = await reranker!.score(QUESTION, PASSAGES);
    for (const [index, passage] of PASSAGES.entries()) {
      const [alone] = await reranker!.score(QUESTION, [passage]);
      expect(alone).toBeCloseTo(together[index]!, 4);
    }
  });

  it("cuts each pair to maxTokens: text past the cut does not change the score", async () => {
    const { reranker } = await load({ model: tinyRerankDir, maxTokens: 32 });
    expect(reranker!.maxTokens).toBe(32);
    const long = "課程的作業規定".repeat(20);
    const [cut, cutLonger] = await reranker!.score(QUESTION, [long, `${long}以及更多不會被讀到的文字`]);
    expect(cutLonger).toBeCloseTo(cut!, 5);
    // A question longer than the whole budget still leaves room for the passage.
    const [withLongQuestion] = await reranker!.score(QUESTION.repeat(30), [long]);
    expect(Number.isFinite(withLongQuestion)).toBe(true);
  });
});

describe("loadReranker when there is no usable model", () => {
  it("is off without a word for 'none' (the default)", async () => {
    const { reranker, warnings } = await load({ model: "none" });
    expect(reranker).toBeNull();
    expect(warnings).toEqual([]);
  });

  it("returns null with one one-line warning for a missing folder", async () => {
    const { reranker, warnings } = await load({ model: join(scratch, "no-such-reranker") });
    expect(reranker).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Reranker off");
    expect(warnings[0]).toContain("no-such-reranker");
    expect(warnings[0]).not.toContain("\n");
  });

  it("returns null with one warning for a folder without the ONNX model", async () => {
    const folder = join(scratch, "incomplete");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "config.json"), readFileSync(join(tinyRerankDir, "config.json")));
    const { reranker, warnings } = await load({ model: folder });
    expect(reranker).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(folder);
    expect(warnings[0]).not.toContain("\n");
  });

  it("returns null with one warning for a hub id that is not cached when downloads are off", async () => {
    const { reranker, warnings } = await load({ model: RECOMMENDED_RERANK_MODEL });
    expect(reranker).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(RECOMMENDED_RERANK_MODEL);
  });
});
