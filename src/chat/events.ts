/** The events a prepared chat streams (see pipeline.ts): a discriminated union on `type`. */
import type { ErrorCode } from "../errors.ts";
import type { StopReason } from "../llm/index.ts";
import type { ChatMode, Passage, Timings, Usage } from "../types.ts";

export type { StopReason };

export interface RetrievalEvent {
  type: "retrieval";
  conversationId: string;
  traceId: string;
  passages: Passage[];
}

export interface TextDeltaEvent {
  type: "text-delta";
  text: string;
}

export interface DoneEvent {
  type: "done";
  traceId: string;
  conversationId: string;
  mode: ChatMode;
  usage: Usage;
  timings: Timings;
  /**
   * Why the answer ended: "stop" when it is complete (the model ended it, or a fixed or
   * retrieval-only reply), "length" when the token limit (maxTokens or the context) cut it.
   * Always set by runChat; optional so older producers of this event still type-check.
   */
  stopReason?: StopReason;
}

export interface ErrorEvent {
  type: "error";
  code: ErrorCode;
  message: string;
  traceId?: string;
}

export type ChatEvent = RetrievalEvent | TextDeltaEvent | DoneEvent | ErrorEvent;
