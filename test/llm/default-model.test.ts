/** MODEL unset (`auto`): the smaller model without a GPU, the stronger one with, and the reason told. */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, inject, it } from "vitest";
import {
  AUTO_MODEL,
  CPU_DEFAULT_MODEL,
  chooseDefaultModel,
  GPU_DEFAULT_MODEL,
  loadLlmEngine,
} from "../../src/llm/index.ts";
import { localModelFileName } from "../../src/llm/load-engine.ts";

it("chooses the 1.5B model without a GPU and the 3B model with one, saying why", () => {
  const cpu = chooseDefaultModel(false);
  expect(cpu.model).toBe(CPU_DEFAULT_MODEL);
  expect(cpu.model).toMatch(/1\.5B-Instruct.*Q4_K_M/);
  expect(cpu.reason).toMatch(/no GPU/);
  expect(cpu.reason).toContain("set MODEL");
  const gpu = chooseDefaultModel("cuda");
  expect(gpu.model).toBe(GPU_DEFAULT_MODEL);
  expect(gpu.reason).toContain("cuda");
});

it("loads the CPU default for MODEL=auto on the CPU, from MODELS_DIR without the network", async () => {
  // The file a first start would have downloaded, stood in for by the generated tiny model.
  const modelsDir = mkdtempSync(join(tmpdir(), "default-model-"));
  try {
    copyFileSync(
      join(inject("fixturesDir"), "tiny-chat.gguf"),
      join(modelsDir, localModelFileName(CPU_DEFAULT_MODEL)),
    );
    const told: string[] = [];
    const engine = await loadLlmEngine({
      modelPath: AUTO_MODEL,
      modelsDir,
      gpu: "cpu",
      threads: 1,
      contextSize: 512,
      parallel: 1,
      queueMax: 0,
      requestTimeoutMs: 30_000,
      onModelChoice: (message) => told.push(message),
    });
    try {
      expect(told).toHaveLength(1);
      expect(told[0]).toContain(CPU_DEFAULT_MODEL);
      expect(engine.countTokens("作業")).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(modelsDir, { recursive: true, force: true });
  }
});
