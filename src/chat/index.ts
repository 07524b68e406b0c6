export type {
  ChatEvent,
  DoneEvent,
  ErrorEvent,
  RetrievalEvent,
  StopReason,
  TextDeltaEvent,
} from "./events.ts";
export { type ChatDeps, type ChatInput, type PromptTemplates, runChat, validateMessage } from "./pipeline.ts";
export { resolveSampling } from "./sampling.ts";
