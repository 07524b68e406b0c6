import type { Passage } from "../types.ts";
import { fillTemplate, PROMPT_TEMPLATE_FILES } from "./template.ts";

/** At most this many passages are quoted: the reply should stay readable in a chat window. */
const MAX_QUOTED_PASSAGES = 3;
/** Longest excerpt of a single passage, in characters. */
const MAX_EXCERPT_CHARS = 400;
/** Shortest excerpt worth quoting; below this a passage is left out rather than cut to a stub. */
const MIN_EXCERPT_CHARS = 40;

/** Used for {{passages}} when nothing was retrieved (callers normally send no-passages.md instead). */
export const NO_QUOTED_PASSAGES = "（沒有找到相關的課程資料。）";

/**
 * The reply sent when no model is loaded: prompts/retrieval-only.md with `{{passages}}` replaced by the
 * top passages, each as `[n] title · location · link` followed by a quoted excerpt.
 * @param maxChars budget for the whole quoted block in characters (code points). Default: 1500.
 */
export function renderRetrievalOnlyReply(template: string, passages: Passage[], maxChars = 1500): string {
  const quoted: string[] = [];
  let used = 0;
  for (const [index, passage] of passages.slice(0, MAX_QUOTED_PASSAGES).entries()) {
    const { title, location, link } = passage.chunk;
    const header = `[${index + 1}] ${[title, location, link].map(oneLine).filter(Boolean).join(" · ")}`;
    const separator = quoted.length > 0 ? 2 : 0; // the blank line between quotes
    const room = Math.min(MAX_EXCERPT_CHARS, maxChars - used - separator - length(header) - 3);
    // The first passage is always quoted (cut short if need be); later ones only when they fit.
    if (room < MIN_EXCERPT_CHARS && quoted.length > 0) break;
    const excerpt = truncate(oneLine(passage.chunk.text), Math.max(room, MIN_EXCERPT_CHARS));
    const entry = `${header}\n> ${excerpt}`;
    quoted.push(entry);
    used += separator + length(entry);
  }
  const block = quoted.length > 0 ? quoted.join("\n\n") : NO_QUOTED_PASSAGES;
  return fillTemplate(template, { passages: block }, { templateName: PROMPT_TEMPLATE_FILES.retrievalOnly });
}

// Transcripts can be one long line, notes have many short ones: one line reads best in a quote.
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function length(text: string): number {
  return Array.from(text).length;
}

// Cuts on code points, so an emoji or rare CJK character is never split in half.
function truncate(text: string, maxChars: number): string {
  const characters = Array.from(text);
  if (characters.length <= maxChars) return text;
  return `${characters
    .slice(0, maxChars - 1)
    .join("")
    .trimEnd()}…`;
}
