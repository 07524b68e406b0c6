/** A crisis trace stands out in the admin trace list, so staff can follow up with the student. */
import { describe, expect, it } from "vitest";
import { TraceListPage, type TraceRow } from "../../src/admin/pages/trace-list.tsx";
import type { TraceSummary } from "../../src/store/traces.ts";
import type { ChatMode } from "../../src/types.ts";

function row(id: string, mode: ChatMode, question: string): TraceRow {
  const trace: TraceSummary = {
    id,
    createdAt: "2026-03-01T06:00:00.000Z",
    conversationId: `conversation-${id}`,
    platform: "line",
    userId: "Ustudent",
    question,
    answer: "fixed reply",
    passages: [],
    sampling: { temperature: 0.7, topP: 0.9, topK: 40, minP: 0, repeatPenalty: 1.1, maxTokens: 48 },
    model: "tiny",
    usage: { promptTokens: 0, completionTokens: 0 },
    timings: { retrievalMs: 0, firstTokenMs: 1, totalMs: 1, tokensPerSecond: 0 },
    status: "ok",
    mode,
  };
  return { trace, time: "2026-03-01 14:00:00", pseudonym: "學生-abc123", weak: false };
}

async function renderList(rows: TraceRow[]): Promise<string> {
  return String(await TraceListPage({ rows, filter: {}, total: rows.length }).toString());
}

/** The <tr>…</tr> whose question cell holds `question`. */
function rowHtml(html: string, question: string): string {
  const rows = html.split("<tr").filter((part) => part.includes(question));
  expect(rows).toHaveLength(1);
  return `<tr${rows[0]!.split("</tr>")[0]}`;
}

describe("trace list", () => {
  it("flags a crisis trace with a red 危機 badge and a highlighted row; other rows stay plain", async () => {
    const html = await renderList([
      row("t-crisis", "crisis", "我撐不下去了"),
      row("t-answer", "answer", "HW3 什麼時候截止？"),
    ]);
    const crisis = rowHtml(html, "我撐不下去了");
    expect(crisis).toMatch(/^<tr class="crisis">/);
    expect(crisis).toContain('<span class="badge crisis"');
    expect(crisis).toContain("⚠ 危機");

    const answer = rowHtml(html, "HW3 什麼時候截止？");
    expect(answer).not.toContain("crisis");
    expect(answer).not.toContain("危機");
    expect(answer).toContain('<span class="badge">answer</span>');
  });
});
