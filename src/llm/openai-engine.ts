/**
 * A remote OpenAI-compatible inference server (vLLM, llama.cpp server, Ollama, a hosted API, or
 * another instance of this service) behind the same LlmEngine interface. The server applies the chat
 * template, so the "prompt" kept in traces is the exact JSON list of messages sent.
 */
import { AppError, errorMessage } from "../errors.ts";
import type { ChatMessage } from "../types.ts";
import type { GenerateRequest, GenerateResult, LlmEngine, StopReason } from "./engine-types.ts";
import { SequencePool } from "./sequence-pool.ts";

export interface OpenAiEngineOptions {
  /** e.g. http://inference.internal:8000/v1 */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Context size of the remote model, for history trimming. */
  contextSize: number;
  /** Requests sent at once (the pool behind the URL decides how it spreads them). */
  parallel: number;
  queueMax: number;
  requestTimeoutMs: number;
  /** Send top_k, min_p and repetition_penalty (vLLM, llama.cpp and this service accept them). Default true. */
  sendExtendedSampling?: boolean;
  fetch?: typeof fetch;
}

/**
 * Without the remote tokenizer, tokens are estimated: one per CJK character, one per ~4 other
 * characters. History trimming keeps a margin for the difference.
 */
export function estimateTokens(text: string): number {
  let cjk = 0;
  let other = 0;
  for (const character of text) {
    if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(character)) cjk++;
    else other++;
  }
  return cjk + Math.ceil(other / 4);
}

async function* readServerSentData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary = buffer.indexOf("\n");
    while (boundary >= 0) {
      const line = buffer.slice(0, boundary).replace(/\r$/, "");
      buffer = buffer.slice(boundary + 1);
      if (line.startsWith("data:")) yield line.slice(5).trim();
      boundary = buffer.indexOf("\n");
    }
  }
}

export function createOpenAiEngine(options: OpenAiEngineOptions): LlmEngine {
  const fetchImpl = options.fetch ?? fetch;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const pool = new SequencePool(
    Array.from({ length: options.parallel }, (_, index) => index),
    options.queueMax,
  );
  // The raw-inference header asks another instance of this service for plain inference (no second
  // retrieval); other OpenAI-compatible servers ignore unknown headers.
  const headers: Record<string, string> = { "content-type": "application/json", "x-ta-raw-inference": "1" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const renderMessages = (messages: ChatMessage[]) => JSON.stringify(messages, null, 2);

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    const controller = new AbortController();
    const timeout =
      options.requestTimeoutMs > 0
        ? setTimeout(
            () => controller.abort(new AppError("the inference server took too long", "timeout")),
            options.requestTimeoutMs,
          )
        : undefined;
    const onAbort = () => controller.abort(new AppError("the client went away", "cancelled"));
    request.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timeout);
      request.signal?.removeEventListener("abort", onAbort);
    };
    let slot: number;
    try {
      slot = await pool.ticketFor(request.ticket).acquire(controller.signal);
    } catch (error) {
      cleanup();
      throw error instanceof AppError ? error : new AppError(errorMessage(error), "cancelled", error);
    }
    const { sampling } = request;
    const body: Record<string, unknown> = {
      model: options.model,
      messages: request.messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: sampling.temperature,
      top_p: sampling.topP,
      max_tokens: sampling.maxTokens,
      ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
    };
    if (options.sendExtendedSampling ?? true) {
      Object.assign(body, {
        top_k: sampling.topK,
        min_p: sampling.minP,
        repetition_penalty: sampling.repeatPenalty,
      });
    }
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (error) {
      pool.release(slot);
      cleanup();
      const reason = controller.signal.reason;
      if (reason instanceof AppError) throw reason;
      throw new AppError(
        `the inference server at ${baseUrl} is unreachable: ${errorMessage(error)}`,
        "model_unavailable",
        error,
      );
    }
    if (!response.ok || !response.body) {
      pool.release(slot);
      cleanup();
      const text = await response.text().catch(() => "");
      const code = response.status === 429 || response.status === 503 ? "overloaded" : "generation_failed";
      throw new AppError(`the inference server answered ${response.status}: ${text.slice(0, 200)}`, code);
    }

    let completionTokens = 0;
    let promptTokens = 0;
    let stopReason: StopReason = "stop";
    let settle: {
      resolve: (value: { completionTokens: number; stopReason: StopReason }) => void;
      reject: (error: unknown) => void;
    };
    const completion = new Promise<{ completionTokens: number; stopReason: StopReason }>(
      (resolve, reject) => {
        settle = { resolve, reject };
      },
    );
    completion.catch(() => undefined); // observed through the stream too
    const responseBody = response.body;

    async function* stream(): AsyncGenerator<string> {
      let finished = false;
      try {
        for await (const data of readServerSentData(responseBody)) {
          if (data === "[DONE]") break;
          let parsed: {
            choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
            usage?: { prompt_tokens?: number; completion_tokens?: number };
            error?: { message?: string };
          };
          try {
            parsed = JSON.parse(data);
          } catch {
            continue;
          }
          if (parsed.error)
            throw new AppError(
              `the inference server failed: ${parsed.error.message ?? "unknown"}`,
              "generation_failed",
            );
          const choice = parsed.choices?.[0];
          if (choice?.finish_reason === "length") stopReason = "length";
          if (parsed.usage) {
            completionTokens = parsed.usage.completion_tokens ?? completionTokens;
            promptTokens = parsed.usage.prompt_tokens ?? promptTokens;
          }
          const text = choice?.delta?.content;
          if (text) {
            if (!parsed.usage) completionTokens++;
            yield text;
          }
        }
        finished = true;
        settle.resolve({ completionTokens, stopReason });
      } catch (error) {
        const reason = controller.signal.reason;
        const failure =
          reason instanceof AppError
            ? reason
            : error instanceof AppError
              ? error
              : new AppError(
                  `the inference stream broke: ${errorMessage(error)}`,
                  "generation_failed",
                  error,
                );
        settle.reject(failure);
        throw failure;
      } finally {
        if (!finished) {
          controller.abort(new AppError("the client stopped reading", "cancelled"));
          settle.reject(new AppError("the client stopped reading", "cancelled"));
        }
        pool.release(slot);
        cleanup();
      }
    }

    const promptText = renderMessages(request.messages);
    return {
      stream: stream(),
      promptText,
      get promptTokens() {
        return promptTokens || estimateTokens(promptText);
      },
      // The server's cache is not visible from here.
      reusedPromptTokens: 0,
      completion,
    };
  }

  return {
    modelName: options.model,
    contextSize: options.contextSize,
    countTokens: estimateTokens,
    renderPrompt: (messages) => {
      const text = renderMessages(messages);
      return { text, tokens: estimateTokens(text) };
    },
    generate,
    async nextTokenProbabilities() {
      throw new AppError("next-token probabilities need the local model (LLM_BACKEND=local)", "bad_request");
    },
    queueDepth: () => pool.depth(),
    admit: () => pool.reserve(),
    async close() {
      pool.close(new AppError("the service is shutting down", "cancelled"));
    },
  };
}
