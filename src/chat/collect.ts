/** Folds a chat's events into one answer: what the JSON routes return and what the bots render. */
import type { ErrorCode } from "../errors.ts";
import type { ChatMode, Passage, Timings, Usage } from "../types.ts";
import type { ChatEvent, DoneEvent, StopReason } from "./events.ts";

export interface CollectedAnswer {
  /** The answer's text so far. */
  text: string;
  passages: Passage[];
  conversationId?: string;
  traceId?: string;
  mode?: ChatMode;
  usage?: Usage;
  timings?: Timings;
  stopReason?: StopReason;
  /** The `done` event, once it came. */
  done?: DoneEvent;
  /** Set when the answer failed part way (the text may hold what came before). */
  error?: { code: ErrorCode; message: string };
}

/** Reads every event; `onEvent` sees the answer after each one (bots stream their edits from it). */
export async function collectAnswer(
  events: AsyncIterable<ChatEvent>,
  onEvent?: (answer: CollectedAnswer, event: ChatEvent) => void,
): Promise<CollectedAnswer> {
  const answer: CollectedAnswer = { text: "", passages: [] };
  for await (const event of events) {
    switch (event.type) {
      case "retrieval":
        answer.passages = event.passages;
        answer.conversationId = event.conversationId;
        answer.traceId = event.traceId;
        break;
      case "text-delta":
        answer.text += event.text;
        break;
      case "done":
        Object.assign(answer, {
          done: event,
          traceId: event.traceId,
          conversationId: event.conversationId,
          mode: event.mode,
          usage: event.usage,
          timings: event.timings,
          stopReason: event.stopReason,
        });
        break;
      case "error":
        answer.error = { code: event.code, message: event.message };
        if (event.traceId) answer.traceId = event.traceId;
        break;
    }
    onEvent?.(answer, event);
  }
  return answer;
}
