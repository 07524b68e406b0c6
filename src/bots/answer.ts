/** Starts a chat for a bot, reads its events into an answer, and renders the final text a platform shows. */
import {
  type ChatEvent,
  type ChatInput,
  type ChatService,
  type CollectedAnswer,
  collectAnswer,
} from "../chat/index.ts";
import { errorCode, errorMessage } from "../errors.ts";
import { formatCitationsMarkdown, formatCitationsPlain, selectCitations } from "./citations.ts";
import { errorReply, REPLIES } from "./replies.ts";

export type Answer = CollectedAnswer;

/**
 * A bot has one way to show a failure (a reply saying so), so a chat refused before it starts
 * (busy model, bad input) becomes the only event of its stream, like a failure part way.
 */
export function startAnswer(chat: ChatService, input: ChatInput): AsyncIterable<ChatEvent> {
  try {
    return chat(input).events();
  } catch (error) {
    return (async function* refused(): AsyncGenerator<ChatEvent> {
      yield { type: "error", code: errorCode(error), message: errorMessage(error) };
    })();
  }
}

/** Consumes every event; `onUpdate` runs after each text delta. */
export function readAnswer(
  events: AsyncIterable<ChatEvent>,
  onUpdate?: (answer: Answer) => void,
): Promise<Answer> {
  return collectAnswer(events, (answer, event) => {
    if (event.type === "text-delta") onUpdate?.(answer);
  });
}

/** The text to show once the answer is complete: answer, interruption note, then sources. */
export function renderFinalAnswer(answer: Answer, format: "markdown" | "plain"): string {
  const text = answer.text.trim();
  if (answer.error && text === "") return errorReply(answer.error.code);
  let body = text === "" ? REPLIES.emptyAnswer : text;
  if (answer.error) body += REPLIES.interrupted;
  // Not in the material: a person may know.
  if (!answer.error && answer.mode === "not-covered") body += `\n\n${REPLIES.handoffOffer}`;
  // Only generated answers get a sources list: retrieval-only replies already quote their passages.
  if (!answer.error && answer.mode === "answer" && answer.passages.length > 0) {
    const { sources, cited } = selectCitations(text, answer.passages);
    const block =
      format === "markdown" ? formatCitationsMarkdown(sources, cited) : formatCitationsPlain(sources, cited);
    if (block) body += `\n\n${block}`;
  }
  return body;
}
