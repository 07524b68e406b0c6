/**
 * A scripted LlmEngine: the test seam for the model (like the AI SDK's MockLanguageModel). It streams
 * fixed tokens, can wait between them, fail part way, or refuse as busy, and honours cancellation,
 * so every branch of the chat pipeline runs in-process without a real model. Tests that need the
 * real engine load the generated GGUF instead.
 */
import { AppError } from "../../src/errors.ts";
import type {
  GenerateRequest,
  GenerateResult,
  LlmEngine,
  ModelTicket,
  StopReason,
} from "../../src/llm/index.ts";
import type { ChatMessage } from "../../src/types.ts";

export interface ScriptedEngineOptions {
  /** Text deltas of every answer. Default ["答案", "。"]. */
  tokens?: string[];
  /** Pause before each token, in ms. Default 0. */
  tokenDelayMs?: number;
  /** Throw this error after this many tokens (a model failing mid-answer). */
  failAfter?: { tokens: number; error: Error };
  /** Places (answering + waiting); admit() beyond it throws "overloaded". Default unlimited. */
  capacity?: number;
  stopReason?: StopReason;
  contextSize?: number;
}

export interface ScriptedEngine extends LlmEngine {
  /** Every generate() request, in order. */
  readonly requests: GenerateRequest[];
  /** Places taken and not yet given back. */
  readonly admitted: number;
}

const render = (messages: ChatMessage[]) =>
  `${messages.map((message) => `<|${message.role}|>${message.content}`).join("\n")}\n<|assistant|>`;

export function createScriptedEngine(options: ScriptedEngineOptions = {}): ScriptedEngine {
  const tokens = options.tokens ?? ["答案", "。"];
  const requests: GenerateRequest[] = [];
  let admitted = 0;

  const takePlace = (): ModelTicket => {
    if (options.capacity !== undefined && admitted >= options.capacity) {
      throw new AppError("all places are taken", "overloaded");
    }
    admitted++;
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        admitted--;
      },
    };
  };

  async function* stream(request: GenerateRequest, ticket: ModelTicket): AsyncGenerator<string> {
    try {
      for (const [index, token] of tokens.entries()) {
        if (options.failAfter && index === options.failAfter.tokens) throw options.failAfter.error;
        if (options.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, options.tokenDelayMs));
        if (request.signal?.aborted) throw new AppError("the client went away", "cancelled");
        yield token;
      }
    } finally {
      ticket.release();
    }
  }

  const engine: ScriptedEngine = {
    modelName: "scripted",
    contextSize: options.contextSize ?? 8192,
    get requests() {
      return requests;
    },
    get admitted() {
      return admitted;
    },
    countTokens: (text) => [...text].length,
    renderPrompt: (messages) => {
      const text = render(messages);
      return { text, tokens: [...text].length };
    },
    admit: takePlace,
    async generate(request): Promise<GenerateResult> {
      requests.push(request);
      const ticket = request.ticket ?? takePlace();
      const text = stream(request, ticket);
      let produced = 0;
      let settle: (value: { completionTokens: number; stopReason: StopReason }) => void = () => {};
      let fail: (error: unknown) => void = () => {};
      const completion = new Promise<{ completionTokens: number; stopReason: StopReason }>(
        (resolve, reject) => {
          settle = resolve;
          fail = reject;
        },
      );
      completion.catch(() => {}); // the stream reports the same error
      const counted = (async function* () {
        try {
          for await (const token of text) {
            produced++;
            yield token;
          }
          settle({ completionTokens: produced, stopReason: options.stopReason ?? "stop" });
        } catch (error) {
          fail(error);
          throw error;
        }
      })();
      const promptText = render(request.messages);
      return {
        stream: counted,
        promptText,
        promptTokens: [...promptText].length,
        reusedPromptTokens: 0,
        completion,
      };
    },
    async nextTokenProbabilities() {
      return [];
    },
    queueDepth: () => ({ active: 0, waiting: 0 }),
    async close() {},
  };
  return engine;
}
