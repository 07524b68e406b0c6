export { createTraceClock, type TraceClock } from "./clock.ts";
export { type CollectedAnswer, collectAnswer } from "./collect.ts";
export type {
  ChatEvent,
  DoneEvent,
  ErrorEvent,
  RetrievalEvent,
  StopReason,
  TextDeltaEvent,
} from "./events.ts";
export {
  type ChatDeps,
  type ChatInput,
  type ChatService,
  type PreparedChat,
  type PromptTemplates,
  prepareChat,
  validateMessage,
} from "./pipeline.ts";
export { resolveSampling } from "./sampling.ts";
export type { VerifiedAnswers } from "./verified.ts";
