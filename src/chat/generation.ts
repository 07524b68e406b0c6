/** The model's part of an answer: fit the rendered prompt, stream the tokens into the trace. */
import type { GenerateRequest, LlmEngine, StopReason } from "../llm/index.ts";
import type { ChatMessage, Trace } from "../types.ts";
import type { ChatEvent } from "./events.ts";

/**
 * The plan estimates the chat template's own tokens; the rendered prompt is the truth. While the
 * rendered prompt plus the longest answer overflows the context, the oldest history exchange goes,
 * so a template heavier than estimated costs history, never the answer's length.
 */
export function fitRenderedPrompt(
  llm: LlmEngine,
  planned: ChatMessage[],
  maxAnswerTokens: number,
): ChatMessage[] {
  let messages = planned;
  while (llm.renderPrompt(messages).tokens + maxAnswerTokens > llm.contextSize) {
    // [system, ...history, question]: the oldest history turn sits at 1, its answer (if any) at 2.
    if (messages.length <= 2) break;
    const dropCount = messages.length > 3 && messages[2]!.role === "assistant" ? 2 : 1;
    messages = [messages[0]!, ...messages.slice(1 + dropCount)];
  }
  return messages;
}

/** Streams the model's answer into the trace; returns why generation ended. */
export async function* streamGeneration(
  llm: LlmEngine,
  request: GenerateRequest,
  trace: Trace,
): AsyncGenerator<ChatEvent, StopReason> {
  const generationStarted = performance.now();
  const result = await llm.generate(request);
  trace.prompt = result.promptText;
  trace.usage.promptTokens = result.promptTokens;
  trace.usage.reusedPromptTokens = result.reusedPromptTokens;
  let firstTokenAt = 0;
  for await (const text of result.stream) {
    if (text === "") continue;
    if (firstTokenAt === 0) {
      firstTokenAt = performance.now();
      trace.timings.firstTokenMs = roundMs(firstTokenAt - generationStarted + trace.timings.retrievalMs);
    }
    trace.answer += text;
    yield { type: "text-delta", text };
  }
  const completion = await result.completion;
  trace.usage.completionTokens = completion.completionTokens;
  trace.usage.promptTokens = result.promptTokens; // a remote backend reports its count at the end
  const decodeSeconds = (performance.now() - (firstTokenAt || generationStarted)) / 1000;
  trace.timings.tokensPerSecond =
    decodeSeconds > 0
      ? Math.round((Math.max(0, completion.completionTokens - 1) / decodeSeconds) * 10) / 10
      : 0;
  return completion.stopReason;
}

/** Milliseconds to one decimal, as traces keep them. */
export function roundMs(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}
