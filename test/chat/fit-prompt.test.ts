/**
 * fitRenderedPrompt with a counting stand-in for the engine's renderPrompt (the real template's token
 * count is what varies; here each message "renders" to a known size so the arithmetic is visible).
 */
import { describe, expect, it } from "vitest";
import { fitRenderedPrompt } from "../../src/chat/generation.ts";
import type { LlmEngine } from "../../src/llm/index.ts";

type Message = { role: "system" | "user" | "assistant"; content: string };

/** 10 tokens per message of template, plus one token per character. */
function engine(contextSize: number): LlmEngine {
  return {
    contextSize,
    renderPrompt: (messages: Message[]) => ({
      text: "",
      tokens: messages.reduce((sum, message) => sum + 10 + message.content.length, 0),
    }),
  } as unknown as LlmEngine;
}

const conversation: Message[] = [
  { role: "system", content: "s".repeat(20) },
  { role: "user", content: "q1".repeat(10) },
  { role: "assistant", content: "a1".repeat(10) },
  { role: "user", content: "q2".repeat(10) },
  { role: "assistant", content: "a2".repeat(10) },
  { role: "user", content: "now" },
];

describe("fitRenderedPrompt", () => {
  it("keeps everything when the rendered prompt and the answer fit", () => {
    expect(fitRenderedPrompt(engine(1000), conversation, 100)).toEqual(conversation);
  });

  it("drops the oldest exchanges, whole, until prompt + answer fit", () => {
    // Full prompt: 6 × 10 + 20 + 4 × 20 + 3 = 163 tokens; with 100 for the answer it needs 263.
    const fitted = fitRenderedPrompt(engine(230), conversation, 100);
    expect(fitted.map((message) => message.content.slice(0, 2))).toEqual(["ss", "q2", "a2", "no"]);
    const minimal = fitRenderedPrompt(engine(150), conversation, 100);
    expect(minimal.map((message) => message.role)).toEqual(["system", "user"]);
  });

  it("never drops the system prompt or the question", () => {
    const fitted = fitRenderedPrompt(engine(10), conversation, 100);
    expect(fitted).toEqual([conversation[0], conversation[5]]);
  });
});
