/** The llm room: node-llama-cpp behind a small engine interface. */

export { AUTO_MODEL, CPU_DEFAULT_MODEL, chooseDefaultModel, GPU_DEFAULT_MODEL } from "./default-model.ts";
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
