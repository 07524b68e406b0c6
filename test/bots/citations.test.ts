import { describe, expect, it } from "vitest";
import { readAnswer, renderFinalAnswer, startAnswer } from "../../src/bots/answer.ts";
import {
  citedNumbers,
  formatCitationsMarkdown,
  formatCitationsPlain,
  selectCitations,
} from "../../src/bots/citations.ts";
import type { ChatEvent, ChatService } from "../../src/chat/index.ts";
import { AppError } from "../../src/errors.ts";
import type { Passage } from "../../src/types.ts";

function passage(rank: number, title: string, location: string, link = ""): Passage {
  return {
    rank,
    score: 1 / rank,
    retrievers: [],
    chunk: {
      id: `c${rank}`,
      documentPath: `${title}.md`,
      title,
      location,
      link,
      text: "…",
      position: 0,
      contentHash: "h",
    },
  };
}

const passages = [
  passage(1, "課程大綱", "評分", "https://example.com/syllabus#grading"),
  passage(2, "第三講 [錄影]", "12:34", "https://youtu.be/abc?t=754"),
  passage(3, "常見問題", "作業遲交"),
];

describe("citations", () => {
  it("finds [n], [n][m] and [n, m] but not markdown links", () => {
    expect(citedNumbers("見 [2]，以及 [1][3] 和 [1, 2]。[4](https://x.y)")).toEqual([2, 1, 3]);
  });

  it("shows the cited passages in order, ignoring unknown numbers", () => {
    const { sources, cited } = selectCitations("答案 [3] 與 [1]，還有 [9]", passages);
    expect(cited).toBe(true);
    expect(sources.map((source) => source.number)).toEqual([1, 3]);
  });

  it("falls back to the top passages when nothing is cited", () => {
    const { sources, cited } = selectCitations("沒有引用的回答", passages);
    expect(cited).toBe(false);
    expect(sources).toHaveLength(3);
  });

  it("formats Discord links as [n] [title · location](<link>)", () => {
    const { sources } = selectCitations("[1][2][3]", passages);
    const block = formatCitationsMarkdown(sources, true);
    expect(block).toContain("[1] [課程大綱 · 評分](<https://example.com/syllabus#grading>)");
    expect(block).toContain("[2] [第三講 \\[錄影\\] · 12:34](<https://youtu.be/abc?t=754>)");
    expect(block).toContain("[3] 常見問題 · 作業遲交");
  });

  it("formats LINE sources as plain text with the link on its own line", () => {
    const { sources } = selectCitations("[1]", passages);
    expect(formatCitationsPlain(sources, true)).toBe(
      "📚 來源\n[1] 課程大綱 · 評分\nhttps://example.com/syllabus#grading",
    );
  });
});

async function* events(list: ChatEvent[]): AsyncGenerator<ChatEvent> {
  yield* list;
}

describe("answer rendering", () => {
  const usage = { promptTokens: 1, completionTokens: 1 };
  const timings = { retrievalMs: 1, firstTokenMs: 1, totalMs: 1, tokensPerSecond: 1 };

  it("appends sources to a generated answer", async () => {
    const answer = await readAnswer(
      events([
        { type: "retrieval", conversationId: "c", traceId: "t1", passages },
        { type: "text-delta", text: "期中考占 30% [1]。" },
        { type: "done", traceId: "t1", conversationId: "c", mode: "answer", usage, timings },
      ]),
    );
    expect(answer.traceId).toBe("t1");
    expect(renderFinalAnswer(answer, "markdown")).toBe(
      "期中考占 30% [1]。\n\n📚 來源\n[1] [課程大綱 · 評分](<https://example.com/syllabus#grading>)",
    );
  });

  it("adds no sources to a retrieval-only reply", async () => {
    const answer = await readAnswer(
      events([
        { type: "retrieval", conversationId: "c", traceId: "t1", passages },
        { type: "text-delta", text: "模型暫時無法使用 [1] 課程大綱" },
        { type: "done", traceId: "t1", conversationId: "c", mode: "retrieval-only", usage, timings },
      ]),
    );
    expect(renderFinalAnswer(answer, "plain")).toBe("模型暫時無法使用 [1] 課程大綱");
  });

  it("turns a chat refused before it starts into a friendly error", async () => {
    const refused: ChatService = () => {
      throw new AppError("busy", "overloaded");
    };
    const answer = await readAnswer(startAnswer(refused, { message: "hi", platform: "line" }));
    expect(answer.error).toEqual({ code: "overloaded", message: "busy" });
    expect(renderFinalAnswer(answer, "plain")).toContain("助教現在有點忙");
  });
});
