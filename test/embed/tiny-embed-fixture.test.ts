import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { buildTinyVocabulary, writeTinyEmbedModel } from "../../src/fixtures/tiny-embed.ts";

const scratch = mkdtempSync(join(tmpdir(), "tiny-embed-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MODEL_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"];

describe("writeTinyEmbedModel", () => {
  it("writes byte-identical files on every run, so test results do not drift", async () => {
    const again = join(scratch, "again");
    await writeTinyEmbedModel(again);
    const first = join(inject("fixturesDir"), "tiny-embed");
    for (const file of MODEL_FILES) {
      expect(readFileSync(join(again, file)).equals(readFileSync(join(first, file))), file).toBe(true);
    }
  });

  it("has BERT's special tokens first, unique tokens, and covers ASCII and Traditional Chinese", () => {
    const vocabulary = buildTinyVocabulary();
    expect(vocabulary.slice(0, 5)).toEqual(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
    expect(new Set(vocabulary).size).toBe(vocabulary.length);
    for (const token of ["a", "##z", "7", "?", "homework", "課", "臺", "灣", "，", "。", "ㄅ"]) {
      expect(vocabulary, token).toContain(token);
    }
  });
});
