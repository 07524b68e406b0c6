import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppError } from "../../src/errors.ts";
import { writeTinyChatModel } from "../../src/fixtures/tiny-gguf.ts";
import {
  type GenerateResult,
  type LlmEngine,
  type LlmEngineOptions,
  loadLlmEngine,
} from "../../src/llm/index.ts";
import type { LlamaEngineParts } from "../../src/llm/llama-engine.ts";
import type { ChatMessage, SamplingOptions } from "../../src/types.ts";

const modelPath = join(inject("fixturesDir"), "tiny-chat.gguf");
const baseOptions: LlmEngineOptions = {
  modelPath,
  modelsDir: join(tmpdir(), "llm-test-models"),
  gpu: "auto",
  // One thread: llama.cpp's threads spin-wait for each other, so on a busy 2-core CI box 2 threads run ~10x slower.
  threads: 1,
  contextSize: 1024,
  parallel: 2,
  queueMax: 1,
  requestTimeoutMs: 60_000,
};
const messages: ChatMessage[] = [
  { role: "system", content: "You are the course TA. Today is 2025-03-01." },
  { role: "user", content: "什麼是語言模型？" },
  { role: "assistant", content: "語言模型就是文字接龍。" },
  { role: "user", content: "Give me one more example, please." },
];
const sampling: SamplingOptions = {
  temperature: 0.8,
  topP: 0.9,
  topK: 40,
  minP: 0.05,
  repeatPenalty: 1.1,
  seed: 1,
  maxTokens: 24,
};

/** Reads the whole stream; returns the deltas and the error that ended it, if any. */
async function drain(result: GenerateResult, onDelta?: (count: number) => void) {
  const deltas: string[] = [];
  try {
    for await (const delta of result.stream) {
      deltas.push(delta);
      onDelta?.(deltas.length);
    }
    return { deltas, error: undefined };
  } catch (error) {
    return { deltas, error: error as AppError };
  }
}

const longRequest = (signal: AbortSignal) => ({
  messages,
  sampling: { ...sampling, maxTokens: 5000 },
  signal,
});

describe("loadLlmEngine with the generated tiny model", () => {
  let engine: LlmEngine;
  beforeAll(async () => {
    engine = await loadLlmEngine(baseOptions);
  });
  afterAll(() => engine?.close());

  it("loads the model and renders the prompt with its ChatML template", () => {
    expect(engine.modelName).toBe("tiny-chat");
    expect(engine.contextSize).toBeGreaterThanOrEqual(1024);
    const prompt = engine.renderPrompt(messages);
    expect(prompt.text).toContain(
      "<|im_start|>system\nYou are the course TA. Today is 2025-03-01.<|im_end|>\n",
    );
    expect(prompt.text).toContain("<|im_start|>user\n什麼是語言模型？<|im_end|>");
    expect(prompt.text).toContain("<|im_start|>assistant\n語言模型就是文字接龍。<|im_end|>");
    expect(
      prompt.text.endsWith(
        "<|im_start|>user\nGive me one more example, please.<|im_end|>\n<|im_start|>assistant\n",
      ),
    ).toBe(true);
    expect(prompt.tokens).toBeGreaterThan(20);
    expect(engine.countTokens("")).toBe(0);
    expect(engine.countTokens("語言模型 question")).toBeGreaterThan(0);
  });

  it("streams several deltas and reports the prompt it used", async () => {
    const result = await engine.generate({ messages, sampling });
    const { deltas, error } = await drain(result);
    const completion = await result.completion;
    expect(error).toBeUndefined();
    expect(deltas.length).toBeGreaterThan(3);
    expect(completion.completionTokens).toBeGreaterThan(3);
    expect(completion.completionTokens).toBeLessThanOrEqual(24);
    expect(result.promptText).toBe(engine.renderPrompt(messages).text);
    expect(result.promptTokens).toBe(engine.renderPrompt(messages).tokens);
  });

  it("gives the same text for the same seed, and different text for another seed", async () => {
    const run = async (seed: number) =>
      (await drain(await engine.generate({ messages, sampling: { ...sampling, seed } }))).deltas.join("");
    const first = await run(11);
    expect(await run(11)).toBe(first);
    expect(await run(12)).not.toBe(first);
  });

  it("respects maxTokens", async () => {
    const result = await engine.generate({
      messages,
      sampling: { ...sampling, maxTokens: 5, repeatPenalty: 1 },
    });
    await drain(result);
    const completion = await result.completion;
    expect(completion.completionTokens).toBeLessThanOrEqual(5);
    if (completion.stopReason === "length") expect(completion.completionTokens).toBe(5);
  });

  it("stops when the signal aborts, frees the sequence, and serves the next request", async () => {
    const controller = new AbortController();
    const result = await engine.generate(longRequest(controller.signal));
    const { deltas, error } = await drain(result, (count) => count === 3 && controller.abort());
    expect(error).toBeInstanceOf(AppError);
    expect(error?.code).toBe("cancelled");
    await expect(result.completion).rejects.toMatchObject({ code: "cancelled" });
    expect(deltas.length).toBeLessThan(100);
    expect(engine.queueDepth()).toEqual({ active: 0, waiting: 0 });
    const next = await engine.generate({ messages, sampling: { ...sampling, maxTokens: 4 } });
    expect((await drain(next)).error).toBeUndefined();
    await expect(next.completion).resolves.toMatchObject({ completionTokens: expect.any(Number) });
  });

  it("stops generating when the reader stops reading", async () => {
    const result = await engine.generate(longRequest(new AbortController().signal));
    for await (const _delta of result.stream) break;
    await expect(result.completion).rejects.toMatchObject({ code: "cancelled" });
    expect(engine.queueDepth().active).toBe(0);
  });

  it("queues one request, refuses the next with overloaded, and drops an aborted waiter", async () => {
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const running = [
      await engine.generate(longRequest(controllers[0].signal)),
      await engine.generate(longRequest(controllers[1].signal)),
    ];
    expect(engine.queueDepth()).toEqual({ active: 2, waiting: 0 });
    const waiting = engine.generate(longRequest(controllers[2].signal));
    waiting.catch(() => {});
    expect(engine.queueDepth()).toEqual({ active: 2, waiting: 1 });
    const refused = await engine
      .generate(longRequest(new AbortController().signal))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("overloaded");
    controllers[2].abort();
    await expect(waiting).rejects.toMatchObject({ code: "cancelled" });
    expect(engine.queueDepth()).toEqual({ active: 2, waiting: 0 });
    for (const controller of controllers) controller.abort();
    for (const result of running)
      await expect(result.completion).rejects.toMatchObject({ code: "cancelled" });
    expect(engine.queueDepth()).toEqual({ active: 0, waiting: 0 });
  });

  it("serves two requests at once with parallel = 2", async () => {
    const started = performance.now();
    const [first, second] = await Promise.all([
      engine.generate({ messages, sampling: { ...sampling, maxTokens: 48, seed: 3 } }),
      engine.generate({ messages, sampling: { ...sampling, maxTokens: 48, seed: 4 } }),
    ]);
    expect(engine.queueDepth()).toEqual({ active: 2, waiting: 0 });
    const timeline = async (result: GenerateResult) => {
      let firstDelta = Number.NaN;
      await drain(result, (count) => {
        if (count === 1) firstDelta = performance.now() - started;
      });
      await result.completion;
      return { firstDelta, end: performance.now() - started };
    };
    const [a, b] = await Promise.all([timeline(first), timeline(second)]);
    // Each one started streaming before the other finished.
    expect(a.firstDelta).toBeLessThan(b.end);
    expect(b.firstDelta).toBeLessThan(a.end);
  });

  it("returns the top next-token probabilities", async () => {
    const top = await engine.nextTokenProbabilities(engine.renderPrompt(messages).text, 10);
    expect(top).toHaveLength(10);
    const probabilities = top.map((entry) => entry.probability);
    expect(probabilities.every((probability) => probability > 0 && probability <= 1)).toBe(true);
    expect([...probabilities].sort((x, y) => y - x)).toEqual(probabilities);
    expect(probabilities.reduce((sum, probability) => sum + probability, 0)).toBeLessThanOrEqual(1 + 1e-6);
    expect(top.every((entry) => typeof entry.token === "string")).toBe(true);
  });

  it("cancels running and waiting requests on close", async () => {
    const running = await engine.generate(longRequest(new AbortController().signal));
    await engine.close();
    await expect(running.completion).rejects.toMatchObject({ code: "cancelled" });
    await expect(engine.generate({ messages, sampling })).rejects.toMatchObject({
      code: "model_unavailable",
    });
  });
});

describe("engine limits", () => {
  let engine: LlmEngine;
  beforeAll(async () => {
    // 8k tokens of room: no CPU generates that within 300 ms, so the timeout always wins.
    engine = await loadLlmEngine({ ...baseOptions, contextSize: 8192, parallel: 1, requestTimeoutMs: 300 });
  });
  afterAll(() => engine?.close());

  it("fails a request that runs past requestTimeoutMs with timeout", async () => {
    const result = await engine.generate({ messages, sampling: { ...sampling, maxTokens: 100_000 } });
    const { error } = await drain(result);
    expect(error?.code).toBe("timeout");
    await expect(result.completion).rejects.toMatchObject({ code: "timeout" });
    expect(engine.queueDepth().active).toBe(0);
  });

  it("refuses invalid sampling and prompts that do not fit", async () => {
    await expect(engine.generate({ messages, sampling: { ...sampling, topP: 0 } })).rejects.toMatchObject({
      code: "bad_request",
    });
    const huge: ChatMessage[] = [{ role: "user", content: "question ".repeat(10_000) }];
    await expect(engine.generate({ messages: huge, sampling })).rejects.toMatchObject({
      code: "bad_request",
    });
  });
});

describe("loadLlmEngine errors and F16 models", () => {
  const scratch = mkdtempSync(join(tmpdir(), "llm-engine-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("refuses a missing model file before starting llama.cpp", async () => {
    await expect(
      loadLlmEngine({ ...baseOptions, modelPath: join(scratch, "missing.gguf") }),
    ).rejects.toMatchObject({
      code: "model_unavailable",
    });
    await expect(loadLlmEngine({ ...baseOptions, parallel: 0 })).rejects.toMatchObject({
      code: "config_invalid",
    });
  });

  it("loads and runs an F16 model, and survives a failure mid-generation", async () => {
    const path = join(scratch, "tiny-f16.gguf");
    await writeTinyChatModel(path, { tensorType: "f16", name: "tiny-f16" });
    const f16 = await loadLlmEngine({ ...baseOptions, modelPath: path, gpu: "cpu", parallel: 1 });
    try {
      const result = await f16.generate({ messages, sampling: { ...sampling, maxTokens: 8 } });
      expect((await drain(result)).deltas.length).toBeGreaterThan(0);
      expect((await result.completion).completionTokens).toBeLessThanOrEqual(8);

      const failing = await f16.generate({ messages, sampling: { ...sampling, maxTokens: 5000 } });
      // Pull the context out from under the running generation (no public API does this).
      const parts = (f16 as unknown as { parts: LlamaEngineParts }).parts;
      const { error } = await drain(failing, (count) => count === 2 && void parts.context.dispose());
      expect(error?.code).toBe("generation_failed");
      await expect(failing.completion).rejects.toMatchObject({ code: "generation_failed" });
    } finally {
      await f16.close();
    }
  });
});
