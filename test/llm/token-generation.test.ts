/**
 * The engine's own decode loop on sequence.evaluate against LlamaChat.generateResponse, on the
 * tiny model (node-llama-cpp used directly here to run the reference): same sampling and seed,
 * same answer text, token count and stop reason.
 */
import { join } from "node:path";
import {
  getLlama,
  type Llama,
  LlamaChat,
  type LlamaContext,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { toChatHistory } from "../../src/llm/llama-engine.ts";
import { generateAnswerTokens, resolveStopTriggers } from "../../src/llm/token-generation.ts";
import type { ChatMessage, SamplingOptions } from "../../src/types.ts";

const messages: ChatMessage[] = [
  { role: "system", content: "You are the course TA. Today is 2026-11-24." },
  { role: "user", content: "作業遲交怎麼辦？會扣多少分？" },
];

describe("generateAnswerTokens", () => {
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath: join(inject("fixturesDir"), "tiny-chat.gguf") });
    context = await model.createContext({ sequences: 3, contextSize: 512, threads: 1 });
  });
  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
    await llama?.dispose();
  });

  it("streams what LlamaChat streams for the same seed, and stops where it stops", async () => {
    const chatWrapper = resolveChatWrapper(model);
    const state = chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    const promptTokens = state.contextText.tokenize(model.tokenizer);
    const stop = resolveStopTriggers(state.stopGenerationTriggers, model);
    // The ChatML wrapper ends on its end token and on the same text written out.
    expect(stop.texts).toContain("<|im_end|>");
    expect(stop.tokenSequences.length).toBeGreaterThan(0);
    const [ours, reference] = [context.getSequence(), context.getSequence()];
    let stopped = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const sampling: SamplingOptions = {
        temperature: 0.9,
        topP: 0.9,
        topK: 40,
        minP: 0.05,
        repeatPenalty: seed % 2 === 0 ? 1.1 : 1,
        seed,
        maxTokens: 40,
      };
      const chunks: string[] = [];
      const result = await generateAnswerTokens({
        sequence: ours,
        model,
        promptTokens,
        reusedTokens: 0,
        sampling,
        maxTokens: sampling.maxTokens,
        stop,
        signal: new AbortController().signal,
        onText: (text) => chunks.push(text),
      });
      await reference.clearHistory();
      const chat = new LlamaChat({ contextSequence: reference, chatWrapper });
      const before = reference.tokenMeter.usedOutputTokens;
      const expected = await chat.generateResponse(toChatHistory(messages), {
        maxTokens: sampling.maxTokens,
        temperature: sampling.temperature,
        topP: sampling.topP,
        topK: sampling.topK,
        minP: sampling.minP,
        seed,
        repeatPenalty: sampling.repeatPenalty === 1 ? false : { penalty: sampling.repeatPenalty },
      });
      chat.dispose({ disposeSequence: false });
      expect(chunks.join("")).toBe(expected.response);
      // Equal joined text also means no character was split between chunks (each half would read as U+FFFD).
      expect(result.completionTokens).toBe(reference.tokenMeter.usedOutputTokens - before);
      expect(result.stopReason).toBe(expected.metadata.stopReason === "maxTokens" ? "length" : "stop");
      if (result.stopReason === "stop") stopped++;
    }
    // Both kinds of ending were compared (the tiny model ends some answers early).
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(6);
  });

  it("stops with the abort reason when aborted", async () => {
    const chatWrapper = resolveChatWrapper(model);
    const state = chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    const abort = new AbortController();
    const reason = new Error("stop now");
    let chunks = 0;
    const sequence = context.getSequence();
    try {
      await expect(
        generateAnswerTokens({
          sequence,
          model,
          promptTokens: state.contextText.tokenize(model.tokenizer),
          reusedTokens: 0,
          sampling: { temperature: 0, topP: 1, topK: 0, minP: 0, repeatPenalty: 1, maxTokens: 200 },
          maxTokens: 200,
          stop: { tokenSequences: [], texts: [] },
          signal: abort.signal,
          onText: () => {
            if (++chunks === 3) abort.abort(reason);
          },
        }),
      ).rejects.toBe(reason);
    } finally {
      sequence.dispose();
    }
  });
});
