/** The llm room's public shapes; node-llama-cpp types never leak past this room. */
import type { ChatMessage, SamplingOptions } from "../types.ts";

export type GpuChoice = "auto" | "cpu" | "cuda" | "vulkan" | "metal";

export interface LlmEngineOptions {
  /** A local .gguf path, an `hf:` URI (downloaded into `modelsDir`), or `auto` (by hardware: src/llm/default-model.ts). */
  modelPath: string;
  /** Told which model `auto` chose and why (the service logs it at start). */
  onModelChoice?: (message: string) => void;
  /** Cache folder for models given as `hf:` URIs. */
  modelsDir: string;
  /** Compute backend. Default "auto": a GPU when one works, the CPU otherwise. */
  gpu: GpuChoice;
  /** CPU threads. Default os.availableParallelism(): node-llama-cpp's own CPU default of ≥4 is far slower on small machines. */
  threads: number;
  /** Tokens each sequence can hold (prompt + answer). */
  contextSize: number;
  /** Sequences generating at the same time. */
  parallel: number;
  /** Requests allowed to wait for a free sequence (admitted, not yet generating); more are refused with "overloaded". */
  queueMax: number;
  /** Whole-request limit including queueing, in ms; 0 disables it. Exceeding it fails with "timeout". */
  requestTimeoutMs: number;
  /** Reuse the prompt prefix a sequence already holds. Default true; false evaluates every prompt from scratch. */
  prefixReuse?: boolean;
  /** Download (hf: URIs) and load progress, 0..1. */
  onProgress?: (fraction: number) => void;
}

export interface GenerateRequest {
  /** System first, then history, then the last user message. */
  messages: ChatMessage[];
  sampling: SamplingOptions;
  /** Abort (e.g. client disconnect): stops generation, frees the sequence, or leaves the queue. */
  signal?: AbortSignal;
  /**
   * A place taken earlier with `admit()`: generation uses it instead of queueing again (so it is
   * never refused as busy) and from then on frees it itself. Without one, generate admits itself.
   */
  ticket?: ModelTicket;
}

/**
 * A place among the requests the model serves (answering + waiting), taken before any work so a
 * busy service can refuse before it answers anything.
 */
export interface ModelTicket {
  /**
   * Gives the place back if no generate() took it; after generate() took it, does nothing (the
   * engine frees the sequence when generation ends). Idempotent: call it in a `finally`.
   */
  release(): void;
}

/** "stop": the model ended its answer; "length": maxTokens or the context size was reached. */
export type StopReason = "stop" | "length";

export interface GenerateResult {
  /** Text deltas as they are produced; iterate once. Errors (timeout, cancelled, generation_failed) are thrown here. */
  stream: AsyncIterable<string>;
  /** The exact prompt the model saw, special tokens included. */
  promptText: string;
  promptTokens: number;
  /**
   * Leading prompt tokens the model already held from an earlier request on the same sequence, so
   * only `promptTokens - reusedPromptTokens` were evaluated. 0 when nothing was reused (and for remote backends).
   */
  reusedPromptTokens: number;
  /** Settles when generation ends; rejects with the same AppError as the stream. */
  completion: Promise<{ completionTokens: number; stopReason: StopReason }>;
}

export interface TokenProbability {
  token: string;
  probability: number;
}

export interface LlmEngine {
  readonly modelName: string;
  /** Tokens per sequence (may be padded up from the requested size by llama.cpp). */
  readonly contextSize: number;
  /** Tokens in plain text (special-token text counts as plain text). */
  countTokens(text: string): number;
  /** Renders messages with the model's chat template, ending with the assistant's turn. */
  renderPrompt(messages: ChatMessage[]): { text: string; tokens: number };
  /**
   * Takes a place for one request now, synchronously, or throws AppError "overloaded" when
   * `parallel` requests are answering and `queueMax` more are admitted (waiting, or still
   * retrieving); throws the shutdown error once closed. Pass the ticket to generate(), release it otherwise.
   */
  admit(): ModelTicket;
  /** Waits for a free sequence (or throws "overloaded" when not given a ticket), then starts streaming. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Top-N next tokens after `prompt` (special tokens in it are honoured), most likely first. */
  nextTokenProbabilities(prompt: string, topN: number): Promise<TokenProbability[]>;
  /** `waiting` counts every admitted request without a sequence yet (in line or still retrieving). */
  queueDepth(): { active: number; waiting: number };
  /** Cancels running and waiting requests and frees the model. */
  close(): Promise<void>;
}
