/** A finished trace with plain values, for store and admin tests that write traces directly. */
import type { Trace } from "../../src/types.ts";

export function sampleTrace(id: string, createdAt: string, extra: Partial<Trace> = {}): Trace {
  return {
    id,
    createdAt,
    conversationId: `conversation-${id}`,
    platform: "discord",
    userId: "42",
    question: `question ${id}`,
    answer: "answer",
    passages: [],
    prompt: "prompt",
    sampling: { temperature: 0.3, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: 64 },
    model: "tiny",
    usage: { promptTokens: 10, completionTokens: 5 },
    timings: { retrievalMs: 1, firstTokenMs: 2, totalMs: 3, tokensPerSecond: 4 },
    status: "ok",
    mode: "answer",
    ...extra,
  };
}
