/** Reads runChat's event stream into an answer, and renders the final text a platform shows. */
import type { ChatEvent } from "../chat/index.ts";
import { errorCode, errorMessage } from "../errors.ts";
import type { ChatMode, Passage } from "../types.ts";
import { formatCitationsMarkdown, formatCitationsPlain, selectCitations } from "./citations.ts";
import { errorReply, REPLIES } from "./replies.ts";

export interface Answer {
  /** The model's text so far. */
  text: string;
  passages: Passage[];
  traceId?: string;
  mode?: ChatMode;
  /** Set when the answer failed (before or during streaming). */
  error?: { code: string; message: string };
  done: boolean;
}

/**
 * Consumes every event; `onUpdate` runs after each text delta. A chat that throws before its first
 * event (bad input, queue full) becomes an answer with `error`, like an error event.
 */
export async function readAnswer(
  events: AsyncIterable<ChatEvent>,
  onUpdate?: (answer: Answer) => void,
): Promise<Answer> {
  const answer: Answer = { text: "", passages: [], done: false };
  try {
    for await (const event of events) {
      switch (event.type) {
        case "retrieval":
          answer.passages = event.passages;
          answer.traceId = event.traceId;
          break;
        case "text-delta":
          answer.text += event.text;
          onUpdate?.(answer);
          break;
        case "done":
          answer.traceId = event.traceId;
          answer.mode = event.mode;
          break;
        case "error":
          answer.error = { code: event.code, message: event.message };
          if (event.traceId) answer.traceId = event.traceId;
          break;
      }
    }
  } catch (error) {
    answer.error = { code: errorCode(error), message: errorMessage(error) };
  }
  answer.done = true;
  return answer;
}

/** The text to show once the answer is complete: answer, interruption note, then sources. */
export function renderFinalAnswer(answer: Answer, format: "markdown" | "plain"): string {
  const text = answer.text.trim();
  if (answer.error && text === "") return errorReply(answer.error.code);
  let body = text === "" ? REPLIES.emptyAnswer : text;
  if (answer.error) body += REPLIES.interrupted;
  // Only generated answers get a sources list: retrieval-only replies already quote their passages.
  if (!answer.error && answer.mode === "answer" && answer.passages.length > 0) {
    const { sources, cited } = selectCitations(text, answer.passages);
    const block =
      format === "markdown" ? formatCitationsMarkdown(sources, cited) : formatCitationsPlain(sources, cited);
    if (block) body += `\n\n${block}`;
  }
  return body;
}
