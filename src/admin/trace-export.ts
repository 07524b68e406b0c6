/** One trace as a CSV row or a JSON line, students as pseudonyms. Pure. */
import type { TraceSummary } from "../store/index.ts";

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportPseudonyms {
  user(trace: TraceSummary): string;
  conversation(trace: TraceSummary): string;
}

/** What an exported trace holds: no raw platform ids, no prompt (it is in the trace page). */
export function exportRecord(trace: TraceSummary, pseudonyms: ExportPseudonyms) {
  return {
    id: trace.id,
    createdAt: trace.createdAt,
    platform: trace.platform,
    user: trace.userId ? pseudonyms.user(trace) : "",
    conversation: pseudonyms.conversation(trace),
    question: trace.question,
    answer: trace.answer,
    mode: trace.mode,
    status: trace.status,
    feedback: trace.feedback ?? "",
    sources: [...new Set(trace.passages.map((passage) => passage.documentPath))].join(" "),
    model: trace.model,
    firstTokenMs: trace.timings.firstTokenMs ?? 0,
    totalMs: trace.timings.totalMs ?? 0,
    promptTokens: trace.usage.promptTokens ?? 0,
    completionTokens: trace.usage.completionTokens ?? 0,
  };
}

export const CSV_COLUMNS = Object.keys(
  exportRecord(
    {
      id: "",
      createdAt: "",
      conversationId: "",
      platform: "http",
      userId: "",
      question: "",
      answer: "",
      passages: [],
      sampling: { temperature: 0, topP: 0, topK: 0, minP: 0, repeatPenalty: 1, maxTokens: 0 },
      model: "",
      usage: { promptTokens: 0, completionTokens: 0 },
      timings: { retrievalMs: 0, firstTokenMs: 0, totalMs: 0, tokensPerSecond: 0 },
      status: "ok",
      mode: "answer",
    },
    { user: () => "", conversation: () => "" },
  ),
);

/** A CSV field: quoted when needed; text a spreadsheet would run as a formula gets a leading '. */
export function csvField(value: string | number): string {
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  // The byte-order mark makes spreadsheet programs read the Chinese text as UTF-8.
  return `\uFEFF${CSV_COLUMNS.join(",")}\r\n`;
}

export function formatExportLine(
  trace: TraceSummary,
  format: ExportFormat,
  pseudonyms: ExportPseudonyms,
): string {
  const record = exportRecord(trace, pseudonyms);
  if (format === "jsonl") return `${JSON.stringify(record)}\n`;
  return `${Object.values(record).map(csvField).join(",")}\r\n`;
}
