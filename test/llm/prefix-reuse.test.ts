/** A sequence keeps what it evaluated: a new prompt evaluates only what differs, and gets the same result. */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type GenerateResult, type LlmEngineOptions, loadLlmEngine } from "../../src/llm/index.ts";
import { LlamaEngine } from "../../src/llm/llama-engine.ts";
import type { ChatMessage, SamplingOptions } from "../../src/types.ts";

const baseOptions: LlmEngineOptions = {
  modelPath: join(inject("fixturesDir"), "tiny-chat.gguf"),
  modelsDir: join(tmpdir(), "llm-test-models"),
  gpu: "auto",
  // One thread: see engine.test.ts.
  threads: 1,
  contextSize: 1024,
  parallel: 2,
  queueMax: 2,
  requestTimeoutMs: 60_000,
};
const sampling: SamplingOptions = {
  temperature: 0.8,
  topP: 0.9,
  topK: 40,
  minP: 0.05,
  repeatPenalty: 1.1,
  seed: 3,
  maxTokens: 8,
};
const system: ChatMessage = {
  role: "system",
  content:
    "You are the course TA for the course on generative AI. Answer only from the passages. Today is 2026-11-24.",
};
const ask = (question: string, history: ChatMessage[] = []): ChatMessage[] => [
  system,
  ...history,
  { role: "user", content: question },
];

async function answer(result: GenerateResult): Promise<string> {
  let text = "";
  for await (const delta of result.stream) text += delta;
  await result.completion;
  return text;
}

async function loadLlama(parallel: number): Promise<LlamaEngine> {
  const engine = await loadLlmEngine({ ...baseOptions, parallel });
  if (!(engine instanceof LlamaEngine)) throw new Error("expected the node-llama-cpp engine");
  return engine;
}

describe("prefix reuse on the tiny model", () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await loadLlama(2);
  });
  afterAll(() => engine?.close());

  it("evaluates only the part of a new prompt that differs from what the sequence holds", async () => {
    const first = await engine.generate({
      messages: ask("What is a language model, in one sentence?"),
      sampling,
    });
    await answer(first);
    expect(first.reusedPromptTokens).toBe(0);

    const second = await engine.generate({ messages: ask("When is the midterm project due?"), sampling });
    await answer(second);
    // The system turn (and the user turn's opening) is shared; the question is not.
    expect(second.reusedPromptTokens).toBeGreaterThan(engine.countTokens(system.content));
    expect(second.reusedPromptTokens).toBeLessThan(second.promptTokens);

    // The same prompt again: everything but the last token (evaluated again for its logits).
    const again = await engine.generate({ messages: ask("When is the midterm project due?"), sampling });
    await answer(again);
    expect(again.reusedPromptTokens).toBe(again.promptTokens - 1);
  });

  it("with prefixReuse off evaluates every prompt from scratch (the benchmark's cold baseline)", async () => {
    const engine = await loadLlmEngine({ ...baseOptions, parallel: 1, prefixReuse: false });
    try {
      const question = ask("When is the midterm project due?");
      const first = await engine.generate({ messages: question, sampling });
      const firstText = await answer(first);
      const again = await engine.generate({ messages: question, sampling });
      expect(await answer(again)).toBe(firstText);
      expect(again.reusedPromptTokens).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it("sends a follow-up back to the sequence that holds its conversation", async () => {
    const questionX = "Explain attention in transformers with a short example about sentences.";
    const questionY = "How are homework assignments graded, and can I submit late?";
    // Both at once, so each conversation lands on its own sequence.
    const [x, y] = await Promise.all([
      engine.generate({ messages: ask(questionX), sampling }),
      engine.generate({ messages: ask(questionY), sampling }),
    ]);
    const [answerX, answerY] = await Promise.all([answer(x!), answer(y!)]);
    const followUp = async (question: string, reply: string, next: string) => {
      const history: ChatMessage[] = [
        { role: "user", content: question },
        { role: "assistant", content: reply },
      ];
      const result = await engine.generate({ messages: ask(next, history), sampling });
      await answer(result);
      return result;
    };
    const followX = await followUp(questionX, answerX, "And what about multi-head attention?");
    // Its whole earlier prompt was found (a token or two of slack where the answer text joins it).
    expect(followX.reusedPromptTokens).toBeGreaterThanOrEqual(x!.promptTokens - 2);
    const followY = await followUp(questionY, answerY, "What if I was sick?");
    expect(followY.reusedPromptTokens).toBeGreaterThanOrEqual(y!.promptTokens - 2);
  });

  it("gives the same next-token probabilities after a warm prompt as after a cold one", async () => {
    const warmEngine = await loadLlama(1);
    const coldEngine = await loadLlama(1);
    try {
      const shared = engine.renderPrompt(ask("What is a language model, in one sentence?")).text;
      const promptA = `${shared}A language model predicts the next token`;
      const promptB = `${shared}Attention lets each token look at the others`;
      const first = await warmEngine.probeNextTokens(promptA, 10);
      expect(first.reusedTokens).toBe(0);
      const warm = await warmEngine.probeNextTokens(promptB, 10);
      expect(warm.reusedTokens).toBeGreaterThan(20);
      const cold = await coldEngine.probeNextTokens(promptB, 10);
      expect(cold.reusedTokens).toBe(0);

      // Warm and cold batch the evaluation differently, so floats differ slightly (~2e-5 measured);
      // a warm run that kept stale tokens differed by ~2e-3 on this model. 2e-4 tells them apart.
      const tolerance = 2e-4;
      // By token id: several byte tokens read as the same text.
      const coldById = new Map(
        cold.tokenIds.map((id, index) => [id, cold.probabilities[index]!.probability]),
      );
      expect(warm.probabilities).toHaveLength(10);
      for (const [index, id] of warm.tokenIds.slice(0, 5).entries()) {
        const probability = warm.probabilities[index]!.probability;
        expect(Math.abs(probability - (coldById.get(id) ?? Number.NaN))).toBeLessThan(tolerance);
      }
      // Batched as the warm run was (the reused tokens first, in a batch of their own), a cold run
      // computes exactly the same probabilities: reuse itself changes nothing.
      const neverReuses = await loadLlmEngine({ ...baseOptions, parallel: 1, prefixReuse: false });
      if (!(neverReuses instanceof LlamaEngine)) throw new Error("expected the node-llama-cpp engine");
      const coldAlike = await neverReuses
        .probeNextTokens(promptB, 10, { splitAt: warm.reusedTokens })
        .finally(() => neverReuses.close());
      expect(coldAlike.reusedTokens).toBe(0);
      expect(coldAlike.tokenIds).toEqual(warm.tokenIds);
      expect(coldAlike.probabilities).toEqual(warm.probabilities);
      // The shared prefix alone, warm (all but its last token reused) and cold, agree too.
      const warmPrefix = await warmEngine.probeNextTokens(shared, 5);
      expect(warmPrefix.reusedTokens).toBeGreaterThan(20);
      const coldPrefix = await coldEngine.probeNextTokens(shared, 5);
      const coldPrefixById = new Map(
        coldPrefix.tokenIds.map((id, index) => [id, coldPrefix.probabilities[index]!.probability]),
      );
      for (const [index, id] of warmPrefix.tokenIds.slice(0, 3).entries()) {
        const probability = warmPrefix.probabilities[index]!.probability;
        expect(Math.abs(probability - (coldPrefixById.get(id) ?? Number.NaN))).toBeLessThan(tolerance);
      }
    } finally {
      await warmEngine.close();
      await coldEngine.close();
    }
  });
});
