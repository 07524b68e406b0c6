/** How a verified answer is shown to a student, and how a near one is given to the model (pure). */
import type { Passage } from "../types.ts";
import { formatCourseDate } from "./date.ts";

export interface VerifiedReplySource {
  id: string;
  question: string;
  answer: string;
  sources: { title: string; link: string }[];
  /** When staff last approved or edited it (ISO). */
  updatedAt: string;
}

/** 「✓ 助教確認的答案（2026-12-03）」, dated in the course's time zone. */
export function verifiedMark(updatedAt: string, timeZone: string): string {
  return `✓ 助教確認的答案（${formatCourseDate(new Date(updatedAt), timeZone).date}）`;
}

/** The answer, the mark and its sources, one per line. */
export function renderVerifiedReply(verified: VerifiedReplySource, timeZone: string): string {
  const lines = [verified.answer.trim(), "", verifiedMark(verified.updatedAt, timeZone)];
  for (const source of verified.sources) {
    lines.push(source.link ? `📎 ${source.title || source.link}: ${source.link}` : `📎 ${source.title}`);
  }
  return lines.join("\n");
}

/** A near verified answer as the first passage the model sees (the others move down one rank). */
export function withVerifiedPassage(
  passages: Passage[],
  verified: VerifiedReplySource,
  score: number,
  timeZone: string,
): Passage[] {
  const passage: Passage = {
    rank: 1,
    score,
    retrievers: [],
    chunk: {
      id: `verified:${verified.id}`,
      documentPath: `verified/${verified.id}`,
      title: "助教確認的答案",
      location: formatCourseDate(new Date(verified.updatedAt), timeZone).date,
      link: verified.sources.find((source) => source.link)?.link ?? "",
      text: `問：${verified.question}\n答：${verified.answer}`,
      position: 0,
      contentHash: "",
    },
  };
  return [passage, ...passages.map((other) => ({ ...other, rank: other.rank + 1 }))];
}
