/** LlmEngine over one loaded node-llama-cpp model and one context with `parallel` sequences. */
import {
  type ChatHistoryItem,
  type ChatWrapper,
  type ControlledEvaluateInputItem,
  type Llama,
  LlamaChat,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { AppError, errorMessage } from "../errors.ts";
import type { ChatMessage, SamplingOptions } from "../types.ts";
import type {
  GenerateRequest,
  GenerateResult,
  LlmEngine,
  ModelTicket,
  StopReason,
  TokenProbability,
} from "./engine-types.ts";
import { SequencePool } from "./sequence-pool.ts";
import { TextStream } from "./text-stream.ts";
import {
  generateAnswerTokens,
  needsFullChatHandling,
  resolveStopTriggers,
  type StopTriggers,
} from "./token-generation.ts";

export interface LlamaEngineParts {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  /** Resolved once per model: resolving costs ~0.2–1 s. */
  chatWrapper: ChatWrapper;
  modelName: string;
  queueMax: number;
  requestTimeoutMs: number;
  /** Keep what each sequence evaluated and reuse a shared prompt prefix. Default true; false evaluates every prompt from scratch (cold baseline). */
  prefixReuse?: boolean;
}

/** Our ChatMessage list in node-llama-cpp form, ending with the (empty) model turn to generate. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    if (message.role === "system") return { type: "system", text: message.content };
    if (message.role === "user") return { type: "user", text: message.content };
    return { type: "model", response: [message.content] };
  });
  // Same rule as LlamaChat: a trailing assistant message is continued, otherwise a new turn opens.
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

function checkSampling(sampling: SamplingOptions): void {
  const problems: string[] = [];
  if (!(sampling.temperature >= 0)) problems.push("temperature must be ≥ 0");
  if (!(sampling.topP > 0 && sampling.topP <= 1)) problems.push("topP must be in (0, 1]");
  if (!(Number.isInteger(sampling.topK) && sampling.topK >= 0)) problems.push("topK must be an integer ≥ 0");
  if (!(sampling.minP >= 0 && sampling.minP <= 1)) problems.push("minP must be in [0, 1]");
  if (!(sampling.repeatPenalty > 0)) problems.push("repeatPenalty must be > 0");
  if (!(Number.isInteger(sampling.maxTokens) && sampling.maxTokens >= 1))
    problems.push("maxTokens must be ≥ 1");
  if (problems.length > 0)
    throw new AppError(`Invalid sampling options: ${problems.join("; ")}`, "bad_request");
}

const noop = () => {};

/** How many leading `tokens` the sequence already holds (evaluated). */
function sharedPrefixLength(sequence: LlamaContextSequence, tokens: readonly Token[]): number {
  return sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex;
}

export class LlamaEngine implements LlmEngine {
  readonly modelName: string;
  readonly contextSize: number;
  private readonly pool: SequencePool<LlamaContextSequence>;
  private readonly running = new Set<{ abort: AbortController; done: Promise<void> }>();
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: LlamaEngineParts) {
    this.modelName = parts.modelName;
    this.contextSize = parts.context.contextSize;
    const sequences: LlamaContextSequence[] = [];
    while (parts.context.sequencesLeft > 0) sequences.push(parts.context.getSequence());
    this.pool = new SequencePool(sequences, parts.queueMax);
  }

  private assertOpen(): void {
    if (this.closing) throw new AppError("The model is shut down", "model_unavailable");
  }

  countTokens(text: string): number {
    this.assertOpen();
    return this.parts.model.tokenize(text, false).length;
  }

  renderPrompt(messages: ChatMessage[]): { text: string; tokens: number } {
    this.assertOpen();
    const tokens = this.promptTokens(messages);
    return { text: this.parts.model.detokenize(tokens, true), tokens: tokens.length };
  }

  private promptTokens(messages: readonly ChatMessage[]): Token[] {
    return this.promptState(messages).tokens;
  }

  /** The rendered prompt's tokens, and how the answer after it ends (null: LlamaChat must run it). */
  private promptState(messages: readonly ChatMessage[]): { tokens: Token[]; stop: StopTriggers | null } {
    const { chatWrapper, model } = this.parts;
    const state = chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    const tokens = state.contextText.tokenize(model.tokenizer);
    const fullHandling = needsFullChatHandling(state, chatWrapper.settings.segments != null);
    return { tokens, stop: fullHandling ? null : resolveStopTriggers(state.stopGenerationTriggers, model) };
  }

  queueDepth(): { active: number; waiting: number } {
    return this.pool.depth();
  }

  admit(): ModelTicket {
    this.assertOpen();
    return this.pool.reserve();
  }

  /** Abort controller for one request: the caller's signal means "cancelled", the clock means "timeout". */
  private requestController(signal: AbortSignal | undefined): { abort: AbortController; detach: () => void } {
    const abort = new AbortController();
    const onCancel = () => abort.abort(new AppError("The request was cancelled", "cancelled"));
    if (signal?.aborted) onCancel();
    signal?.addEventListener("abort", onCancel, { once: true });
    const timeoutMs = this.parts.requestTimeoutMs;
    const timer =
      timeoutMs > 0
        ? setTimeout(
            () => abort.abort(new AppError(`The model did not finish within ${timeoutMs} ms`, "timeout")),
            timeoutMs,
          )
        : undefined;
    return {
      abort,
      detach: () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onCancel);
      },
    };
  }

  /**
   * Runs `work` on the free sequence holding the longest prefix of `tokens`, tracked so close() can
   * stop it. The sequence keeps what it evaluated before; `reusedTokens` of `tokens` are already in
   * it (always fewer than all: the last token is evaluated again to get the next token's logits).
   */
  private async withSequence<T>(
    request: { signal?: AbortSignal; ticket?: ModelTicket },
    tokens: readonly Token[],
    work: (sequence: LlamaContextSequence, abort: AbortController, reusedTokens: number) => Promise<T>,
  ): Promise<{ started: Promise<T>; abort: AbortController; reusedTokens: number }> {
    this.assertOpen();
    const { abort, detach } = this.requestController(request.signal);
    let sequence: LlamaContextSequence;
    try {
      sequence = await this.pool
        .ticketFor(request.ticket)
        .acquire(abort.signal, (free) => sharedPrefixLength(free, tokens));
    } catch (error) {
      detach();
      throw error;
    }
    if (this.closing) {
      detach();
      this.pool.release(sequence);
      throw new AppError("The model is shutting down", "model_unavailable");
    }
    const reusedTokens =
      this.parts.prefixReuse === false
        ? 0
        : Math.min(sharedPrefixLength(sequence, tokens), tokens.length - 1);
    const entry = { abort, done: Promise.resolve() };
    this.running.add(entry);
    const started = (async () => {
      try {
        return await work(sequence, abort, reusedTokens);
      } catch (error) {
        // After a failure the sequence's state is not trusted: the next request starts it empty.
        await sequence.clearHistory().catch(noop);
        if (abort.signal.aborted) throw abort.signal.reason;
        if (error instanceof AppError) throw error;
        throw new AppError(`Generation failed: ${errorMessage(error)}`, "generation_failed", error);
      } finally {
        detach();
        this.running.delete(entry);
        this.pool.release(sequence);
      }
    })();
    entry.done = started.then(noop, noop);
    return { started, abort, reusedTokens };
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    this.assertOpen();
    checkSampling(request.sampling);
    const { tokens: promptTokens, stop } = this.promptState(request.messages);
    // Leave room for at least one answer token; no context shift, so the trace shows exactly what the model saw.
    const room = this.contextSize - promptTokens.length - 1;
    if (room < 1) {
      throw new AppError(
        `The prompt is ${promptTokens.length} tokens but the context holds ${this.contextSize}; shorten the history or passages`,
        "bad_request",
      );
    }
    const sampling = request.sampling;
    const maxTokens = Math.min(sampling.maxTokens, room);
    const reader: { abort?: AbortController } = {};
    // If the consumer stops reading (break, return), stop generating too.
    const stream = new TextStream(() =>
      reader.abort?.abort(new AppError("The reader stopped reading", "cancelled")),
    );
    const onText = (text: string) => stream.push(text);
    const { started, abort, reusedTokens } = await this.withSequence(
      request,
      promptTokens,
      (sequence, abort, reused) =>
        stop
          ? generateAnswerTokens({
              sequence,
              model: this.parts.model,
              promptTokens,
              reusedTokens: reused,
              sampling,
              maxTokens,
              stop,
              signal: abort.signal,
              onText,
            })
          : this.generateWithLlamaChat(sequence, request.messages, sampling, maxTokens, abort.signal, onText),
    );
    reader.abort = abort;
    const completion = started.then(
      (value) => {
        stream.end();
        return value;
      },
      (error: unknown) => {
        stream.fail(error);
        throw error;
      },
    );
    // The caller may only read the stream; an unobserved rejection must not crash the process.
    completion.catch(noop);
    return {
      stream,
      promptText: this.parts.model.detokenize(promptTokens, true),
      promptTokens: promptTokens.length,
      reusedPromptTokens: reusedTokens,
      completion,
    };
  }

  /**
   * LlamaChat's full loop, for chat wrappers with thought segments or text to skip at the start.
   * It keeps the sequence's tokens that match the prompt and evaluates only the rest.
   */
  private async generateWithLlamaChat(
    sequence: LlamaContextSequence,
    messages: readonly ChatMessage[],
    sampling: SamplingOptions,
    maxTokens: number,
    signal: AbortSignal,
    onText: (text: string) => void,
  ): Promise<{ completionTokens: number; stopReason: StopReason }> {
    if (this.parts.prefixReuse === false) await sequence.clearHistory();
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: this.parts.chatWrapper });
    const outputTokensBefore = sequence.tokenMeter.usedOutputTokens;
    try {
      const response = await chat.generateResponse(toChatHistory(messages), {
        signal,
        onTextChunk: onText,
        maxTokens,
        temperature: sampling.temperature,
        topP: sampling.topP,
        topK: sampling.topK,
        minP: sampling.minP,
        seed: sampling.seed,
        // LlamaChat applies a 1.1 penalty when given {}, so 1 must mean "off".
        repeatPenalty: sampling.repeatPenalty === 1 ? false : { penalty: sampling.repeatPenalty },
      });
      const stopReason: StopReason = response.metadata.stopReason === "maxTokens" ? "length" : "stop";
      return { completionTokens: sequence.tokenMeter.usedOutputTokens - outputTokensBefore, stopReason };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }

  async nextTokenProbabilities(prompt: string, topN: number): Promise<TokenProbability[]> {
    return (await this.probeNextTokens(prompt, topN)).probabilities;
  }

  /**
   * nextTokenProbabilities, also saying how many prompt tokens the chosen sequence already held
   * (only the rest were evaluated): tests prove with it that a warm prompt equals a cold one.
   */
  async probeNextTokens(
    prompt: string,
    topN: number,
    options: {
      /**
       * Evaluate the prompt's first `splitAt` tokens as a batch of their own before the rest: a cold
       * run batched exactly as a warm one that reused that many tokens (llama.cpp's floats depend on
       * how a prompt is batched).
       */
      splitAt?: number;
    } = {},
  ): Promise<{ probabilities: TokenProbability[]; tokenIds: number[]; reusedTokens: number }> {
    this.assertOpen();
    if (!(Number.isInteger(topN) && topN >= 1))
      throw new AppError("topN must be an integer ≥ 1", "bad_request");
    const { model } = this.parts;
    const tokens = model.tokenize(prompt, true);
    if (tokens.length === 0) throw new AppError("The prompt is empty", "bad_request");
    if (tokens.length >= this.contextSize) {
      throw new AppError(
        `The prompt is ${tokens.length} tokens; the context holds ${this.contextSize}`,
        "bad_request",
      );
    }
    const { started, reusedTokens } = await this.withSequence(
      {},
      tokens,
      async (sequence, _abort, reused) => {
        if (sequence.nextTokenIndex > reused)
          await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);
        let start = reused;
        const splitAt = options.splitAt ?? 0;
        if (splitAt > reused && splitAt < tokens.length) {
          await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(reused, splitAt));
          start = splitAt;
        }
        const rest = tokens.slice(start);
        const input: ControlledEvaluateInputItem[] = rest.map((token, index) =>
          index === rest.length - 1 ? [token, { generateNext: { probabilities: true } }] : token,
        );
        const output = await sequence.controlledEvaluate(input);
        const probabilities = output[rest.length - 1]?.next.probabilities ?? new Map<Token, number>();
        // The map is sorted most likely first.
        return [...probabilities.entries()].slice(0, topN);
      },
    );
    // Several byte tokens read as the same text ("\uFFFD"): ids tell them apart.
    const top = await started;
    return {
      probabilities: top.map(([token, probability]) => ({
        token: model.detokenize([token], true),
        probability,
      })),
      tokenIds: top.map(([token]) => token),
      reusedTokens,
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const shuttingDown = new AppError("The model is shutting down", "cancelled");
      this.pool.close(shuttingDown);
      for (const entry of this.running) entry.abort.abort(shuttingDown);
      await Promise.all([...this.running].map((entry) => entry.done));
      await this.parts.context.dispose();
      await this.parts.model.dispose();
      await this.parts.llama.dispose();
    })();
    return this.closing;
  }
}
