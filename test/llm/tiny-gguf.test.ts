import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildTinyVocabulary,
  SMALL_MODEL_SHAPE,
  tinyChatModelContents,
  writeTinyChatModel,
} from "../../src/fixtures/tiny-gguf.ts";
import { byteTokenText, TokenType } from "../../src/llm/gguf-format.ts";
import { validateGgufFile } from "../../src/llm/gguf-header.ts";
import { floatsToHalves } from "../../src/llm/gguf-writer.ts";

const scratch = mkdtempSync(join(tmpdir(), "tiny-gguf-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("buildTinyVocabulary", () => {
  const vocabulary = buildTinyVocabulary();

  it("has the special, byte, ASCII, word and Chinese pieces, without duplicates", () => {
    const { tokens, types } = vocabulary;
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens.slice(0, 5)).toEqual(["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]);
    expect(tokens[vocabulary.eosId]).toBe("<|im_end|>");
    for (const control of ["<s>", "</s>", "<|im_start|>", "<|im_end|>"]) {
      expect(types[tokens.indexOf(control)]).toBe(TokenType.control);
    }
    for (let byte = 0; byte < 256; byte++) {
      expect(types[tokens.indexOf(byteTokenText(byte))]).toBe(TokenType.byte);
    }
    for (const piece of ["a", "Z", "▁", "▁the", "▁question", "的", "語", "模型", "，"]) {
      expect(tokens).toContain(piece);
    }
    const chinese = tokens.filter((token) => /^\p{Script=Han}$/u.test(token));
    expect(chinese.length).toBeGreaterThan(2500);
  });
});

describe("writeTinyChatModel", () => {
  it("writes the same bytes for the same seed, and different weights for another seed", async () => {
    const first = join(scratch, "a.gguf");
    const second = join(scratch, "b.gguf");
    const third = join(scratch, "c.gguf");
    await writeTinyChatModel(first);
    await writeTinyChatModel(second);
    await writeTinyChatModel(third, { seed: 7 });
    expect(sha256(first)).toBe(sha256(second));
    expect(sha256(first)).not.toBe(sha256(third));
  });

  it("writes a Q4_K_M-mixed model with a padded vocabulary that llama.cpp loads and runs", async () => {
    const path = join(scratch, "q4km.gguf");
    // 384-wide rows are not whole K-quant super-blocks (Q5_0 / Q8_0 there); 768-wide ones are.
    const shape = {
      embeddingLength: 384,
      feedForwardLength: 768,
      headCount: 6,
      headCountKv: 2,
      blockCount: 8,
      tensorType: "q4_k_m" as const,
      vocabularySize: 9000,
      name: "tiny-q4km",
    };
    const contents = tinyChatModelContents(shape);
    const typeOf = (name: string) => contents.tensors.find((tensor) => tensor.name === name)?.type;
    expect(typeOf("blk.0.attn_q.weight")).toBe("q5_0");
    expect(typeOf("blk.0.attn_v.weight")).toBe("q8_0"); // first eighth: more bits
    expect(typeOf("blk.1.attn_v.weight")).toBe("q5_0");
    expect(typeOf("blk.0.ffn_down.weight")).toBe("q6_k");
    expect(typeOf("blk.1.ffn_down.weight")).toBe("q4_k");
    expect(typeOf("output.weight")).toBe("q8_0");
    await writeTinyChatModel(path, shape);
    expect(await validateGgufFile(path)).toMatchObject({ name: "tiny-q4km", blockCount: 8 });
    const llama = await getLlama({
      gpu: false,
      build: "never",
      maxThreads: 1,
      logLevel: LlamaLogLevel.error,
    });
    try {
      const model = await llama.loadModel({ modelPath: path });
      expect(model.tokens.eos).toBe(4);
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const sequence = context.getSequence();
      const tokens: number[] = [];
      for await (const token of sequence.evaluate(model.tokenize("作業遲交怎麼辦？"), { temperature: 0 })) {
        tokens.push(token);
        if (tokens.length === 4) break;
      }
      expect(tokens).toHaveLength(4);
      expect(tokens.every((token) => token >= 0 && token < 9000)).toBe(true);
      await context.dispose();
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });

  it("writes an F16 model that passes validation", async () => {
    const path = join(scratch, "f16.gguf");
    await writeTinyChatModel(path, { tensorType: "f16", blockCount: 3, name: "tiny-f16" });
    const summary = await validateGgufFile(path);
    expect(summary).toMatchObject({ name: "tiny-f16", blockCount: 3 });
  });

  it("lays out SMALL_MODEL_SHAPE like Qwen2.5-0.5B (innermost dimension first, F32 norms)", () => {
    const { tensors, metadata } = tinyChatModelContents(SMALL_MODEL_SHAPE);
    const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
    const vocabularySize = buildTinyVocabulary().tokens.length;
    expect(byName.get("token_embd.weight")?.dimensions).toEqual([896, vocabularySize]);
    expect(byName.get("output.weight")?.dimensions).toEqual([896, vocabularySize]);
    expect(byName.get("blk.23.attn_k.weight")?.dimensions).toEqual([896, 128]);
    expect(byName.get("blk.23.ffn_down.weight")?.dimensions).toEqual([4864, 896]);
    expect(byName.get("blk.0.attn_norm.weight")?.type).toBe("f32");
    expect(byName.get("blk.0.attn_q.weight")?.type).toBe("f16");
    expect(tensors).toHaveLength(24 * 9 + 3);
    const rope = metadata.find(([key]) => key === "llama.rope.dimension_count")?.[1];
    expect(rope).toEqual({ type: "uint32", value: 64 });
  });
});

describe("floatsToHalves", () => {
  it("converts exactly representable values and rounds the rest", () => {
    const input = Float32Array.from([0, -0, 1, -2, 0.5, 65504, 1e-7, 1e9, 0.1, 6.1e-5]);
    const output = new Uint16Array(input.length);
    floatsToHalves(input, output, input.length);
    expect([...output]).toEqual([
      0x0000, 0x8000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x0002, 0x7c00, 0x2e66, 0x03ff,
    ]);
  });
});
