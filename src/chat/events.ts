/** The events runChat streams: a discriminated union on `type`. */
import type { ChatMode, Passage, Timings, Usage } from "../types.ts";

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
}

export interface ErrorEvent {
  type: "error";
  code: string;
  message: string;
  traceId?: string;
}

export type ChatEvent = RetrievalEvent | TextDeltaEvent | DoneEvent | ErrorEvent;
