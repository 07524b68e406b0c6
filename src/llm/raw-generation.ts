/**
 * Generation straight on a node-llama-cpp context sequence, with no chat wrapper, queue or stream:
 * the baseline the chat benchmark compares the service against. Benchmarks only.
 */
import {
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { AppError, errorMessage } from "../errors.ts";
import type { SamplingOptions } from "../types.ts";
import { SequencePool } from "./sequence-pool.ts";

export interface RawGeneratorOptions {
  /** A local .gguf path. */
  modelPath: string;
  /** CPU threads (the same number the service uses). The model always runs on the CPU. */
  threads: number;
  /** Tokens per sequence; use the service's LLM_CONTEXT_SIZE so batching and cache sizes match. */
  contextSize: number;
  /** Sequences the context is built with; the service's LLM_PARALLEL. Default 1. */
  sequences?: number;
}

export interface RawGenerationRun {
  promptTokens: number;
  /** Tokens sampled; always `maxTokens`, since end-of-generation tokens do not stop the run. */
  completionTokens: number;
  /** How many of the sampled tokens were end-of-generation tokens (fed back like any other). */
  endTokens: number;
  /** From the call to the first sampled token: prompt evaluation plus one sampling step. */
  firstTokenMs: number;
  /** From the first to the last sampled token. */
  decodeMs: number;
  /** (completionTokens − 1) / decode seconds: one decode step per token after the first. */
  tokensPerSecond: number;
}

export interface RawWarmRun extends RawGenerationRun {
  /** Leading prompt tokens the sequence already held from the previous run (not evaluated again). */
  reusedTokens: number;
}

export interface RawConcurrentRun extends RawGenerationRun {
  /** From the start of the level until a sequence was free for this client. */
  waitMs: number;
}

export interface RawGenerator {
  /** Tokens of `prompt` with special-token text read as special tokens (as the model saw it). */
  countPromptTokens(prompt: string): number;
  /** Generates exactly `sampling.maxTokens` tokens after `prompt`, from an empty sequence. */
  generate(prompt: string, sampling: SamplingOptions): Promise<RawGenerationRun>;
  /**
   * Like generate, but on the first sequence as the previous run left it: only the part of `prompt`
   * after the prefix it shares with the sequence's tokens is evaluated.
   */
  generateWarm(prompt: string, sampling: SamplingOptions): Promise<RawWarmRun>;
  /**
   * `clients` generations of the same prompt at once, on the context's sequences (clients beyond
   * them wait for a free one, first come first served, as the service's pool does).
   */
  generateConcurrently(
    prompt: string,
    sampling: SamplingOptions,
    clients: number,
  ): Promise<{ runs: RawConcurrentRun[]; wallMs: number }>;
  close(): Promise<void>;
}

/** Loads the model on the CPU and generates on its first sequence. Throws AppError "model_unavailable" on failure. */
export async function loadRawGenerator(options: RawGeneratorOptions): Promise<RawGenerator> {
  let llama: Llama | undefined;
  let model: LlamaModel | undefined;
  let context: LlamaContext;
  try {
    llama = await getLlama({
      gpu: false,
      maxThreads: options.threads,
      build: "never",
      logLevel: LlamaLogLevel.error,
    });
    model = await llama.loadModel({ modelPath: options.modelPath, gpuLayers: 0 });
    context = await model.createContext({
      sequences: options.sequences ?? 1,
      contextSize: options.contextSize,
      threads: options.threads,
    });
  } catch (error) {
    await model?.dispose().catch(() => {});
    await llama?.dispose().catch(() => {});
    throw new AppError(
      `Could not load ${options.modelPath} for the raw run: ${errorMessage(error)}`,
      "model_unavailable",
      error,
    );
  }
  const loadedLlama = llama;
  const loadedModel = model;
  const sequences: LlamaContextSequence[] = Array.from({ length: options.sequences ?? 1 }, () =>
    context.getSequence(),
  );

  async function generateOn(
    sequence: LlamaContextSequence,
    prompt: string,
    sampling: SamplingOptions,
    warm = false,
  ): Promise<RawWarmRun> {
    const tokens = loadedModel.tokenize(prompt, true);
    if (tokens.length + sampling.maxTokens > sequence.contextSize) {
      throw new AppError(
        `The prompt (${tokens.length} tokens) plus ${sampling.maxTokens} answer tokens does not fit ${sequence.contextSize}`,
        "bad_request",
      );
    }
    // Cold: an empty sequence each time (the service reuses a shared prompt prefix; this does not).
    let reusedTokens = 0;
    const started = performance.now();
    if (warm) {
      // Keep the shared prefix (never the last prompt token: its logits give the first answer token).
      reusedTokens = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, tokens.length - 1);
      if (sequence.nextTokenIndex > reusedTokens)
        await sequence.eraseContextTokenRanges([{ start: reusedTokens, end: sequence.nextTokenIndex }]);
    } else {
      await sequence.clearHistory();
    }
    let firstAt = 0;
    let lastAt = 0;
    let produced = 0;
    let endTokens = 0;
    const answer: Token[] = [];
    const generator = sequence.evaluate(tokens.slice(reusedTokens), {
      temperature: sampling.temperature,
      topP: sampling.topP,
      topK: sampling.topK,
      minP: sampling.minP,
      seed: sampling.seed,
      // A random-weight model may sample its end token at any step; keep going so every run decodes maxTokens.
      yieldEogToken: true,
      // Like LlamaChat's default: punish the last 64 answer tokens. 1 means off.
      ...(sampling.repeatPenalty === 1
        ? {}
        : { repeatPenalty: { penalty: sampling.repeatPenalty, punishTokens: () => answer.slice(-64) } }),
    });
    for await (const token of generator) {
      lastAt = performance.now();
      if (produced === 0) firstAt = lastAt;
      produced++;
      answer.push(token);
      if (loadedModel.isEogToken(token)) endTokens++;
      if (produced >= sampling.maxTokens) break;
    }
    const decodeMs = lastAt - firstAt;
    return {
      promptTokens: tokens.length,
      reusedTokens,
      completionTokens: produced,
      endTokens,
      firstTokenMs: firstAt - started,
      decodeMs,
      tokensPerSecond: decodeMs > 0 ? (produced - 1) / (decodeMs / 1000) : 0,
    };
  }

  return {
    countPromptTokens: (prompt) => loadedModel.tokenize(prompt, true).length,

    generate: (prompt, sampling) => generateOn(sequences[0]!, prompt, sampling),

    generateWarm: (prompt, sampling) => generateOn(sequences[0]!, prompt, sampling, true),

    async generateConcurrently(prompt, sampling, clients) {
      const started = performance.now();
      // The service's own pool, so clients beyond the sequences wait in line the same way.
      const pool = new SequencePool(sequences, clients);
      const runs = await Promise.all(
        Array.from({ length: clients }, async () => {
          const sequence = await pool.acquire();
          const waitMs = performance.now() - started;
          try {
            return { ...(await generateOn(sequence, prompt, sampling)), waitMs };
          } finally {
            pool.release(sequence);
          }
        }),
      );
      return { runs, wallMs: performance.now() - started };
    },

    async close() {
      await context.dispose();
      await loadedModel.dispose();
      await loadedLlama.dispose();
    },
  };
}
