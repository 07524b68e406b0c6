/** The --shapes benchmark's models: real shapes, and sizes close to the real Q4_K_M files. */
import { expect, it } from "vitest";
import { modelFileBytes, REAL_MODEL_SHAPES } from "../../src/cli/bench/chat-shapes.ts";

it("lists Qwen2.5 0.5B/1.5B/3B/7B shapes whose Q4_K_M files are the real files' size", () => {
  expect(REAL_MODEL_SHAPES.map((entry) => entry.label)).toEqual(["0.5B", "1.5B", "3B", "7B"]);
  const gb = (label: string) =>
    modelFileBytes(REAL_MODEL_SHAPES.find((entry) => entry.label === label)!.shape) / 1024 ** 3;
  // Real files (bartowski, Q4_K_M): 0.40, 0.99, 1.93, 4.68 GB. Ours write a separate output matrix
  // (the small ones tie it to the embeddings) and no q/k/v biases.
  expect(gb("0.5B")).toBeGreaterThan(0.38);
  expect(gb("0.5B")).toBeLessThan(0.55);
  expect(gb("1.5B")).toBeGreaterThan(0.9);
  expect(gb("1.5B")).toBeLessThan(1.25);
  expect(gb("3B")).toBeGreaterThan(1.8);
  expect(gb("3B")).toBeLessThan(2.2);
  expect(gb("7B")).toBeGreaterThan(4.2);
  expect(gb("7B")).toBeLessThan(4.9);
  for (const { shape } of REAL_MODEL_SHAPES) {
    expect(shape.tensorType).toBe("q4_k_m");
    expect(shape.vocabularySize).toBeGreaterThan(150_000);
    expect(shape.embeddingLength % shape.headCount).toBe(0);
  }
});
