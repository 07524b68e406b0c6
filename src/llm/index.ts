/** The llm room: node-llama-cpp behind a small engine interface. */
export type {
  GenerateRequest,
  GenerateResult,
  GpuChoice,
  LlmEngine,
  LlmEngineOptions,
  ModelTicket,
  StopReason,
  TokenProbability,
} from "./engine-types.ts";
export { type GgufFileSummary, validateGgufFile } from "./gguf-header.ts";
export { defaultLlmEngineOptions, loadLlmEngine } from "./load-engine.ts";
export { createOpenAiEngine, estimateTokens, type OpenAiEngineOptions } from "./openai-engine.ts";
