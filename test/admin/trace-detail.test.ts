/** The trace page shows how many prompt tokens were evaluated and how many were reused. */
import { describe, expect, it } from "vitest";
import { TraceDetailPage } from "../../src/admin/pages/trace-detail.tsx";
import type { Trace } from "../../src/types.ts";

function trace(usage: Trace["usage"]): Trace {
  return {
    id: "trace-1",
    createdAt: "2026-11-24T06:05:00.000Z",
    conversationId: "conversation-1",
    platform: "http",
    userId: "student-1",
    question: "期中作業佔多少？",
    answer: "30% [1]",
    passages: [],
    prompt: "",
    sampling: { temperature: 0.3, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: 48 },
    model: "tiny-chat",
    usage,
    timings: { retrievalMs: 5, firstTokenMs: 50, totalMs: 90, tokensPerSecond: 100 },
    status: "ok",
    mode: "answer",
  };
}

async function timingsText(usage: Trace["usage"]): Promise<string> {
  const page = TraceDetailPage({
    trace: trace(usage),
    time: "14:05",
    pseudonym: "p-1",
    weak: false,
    conversation: [],
  });
  const html = String(await page?.toString());
  const section = html.slice(html.indexOf('id="timings"'));
  return section.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

describe("TraceDetailPage tokens", () => {
  it("shows prompt tokens evaluated and reused", async () => {
    const text = await timingsText({ promptTokens: 1200, completionTokens: 40, reusedPromptTokens: 1000 });
    expect(text).toContain("Prompt tokens evaluated 200");
    expect(text).toContain("Prompt tokens reused 1,000");
  });

  it("reads an older trace without a reuse count as nothing reused", async () => {
    const text = await timingsText({ promptTokens: 300, completionTokens: 40 });
    expect(text).toContain("Prompt tokens evaluated 300");
    expect(text).toContain("Prompt tokens reused 0");
  });
});
