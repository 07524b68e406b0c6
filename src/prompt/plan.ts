import { AppError } from "../errors.ts";
import type { ChatMessage } from "../types.ts";
import {
  countHistoryTokens,
  DEFAULT_PER_MESSAGE_OVERHEAD_TOKENS,
  type HistoryTurn,
  trimHistory,
} from "./history.ts";

export interface PromptBudget {
  contextSize: number;
  reservedForAnswer: number;
  /** System prompt tokens, per-message overhead included. */
  systemTokens: number;
  /** Final user turn (passages and question) tokens, per-message overhead included. */
  userTokens: number;
  /** Kept history tokens, per-message overhead included. */
  historyTokens: number;
  /** Fixed chat-template overhead (BOS, generation prompt, default preambles). */
  templateOverheadTokens: number;
}

export interface PromptPlan {
  /** System prompt, kept history (chronological), then the user turn. */
  messages: ChatMessage[];
  /** History turns (messages, not pairs) kept and dropped. */
  historyKept: number;
  historyDropped: number;
  budget: PromptBudget;
}

export interface PlanPromptInput {
  systemPrompt: string;
  history: HistoryTurn[];
  userTurn: string;
  /** The model context size in tokens. */
  contextSize: number;
  /** Tokens kept free for the answer. */
  maxAnswerTokens: number;
  countTokens: (text: string) => number;
  /**
   * Tokens the chat template adds once per prompt (BOS, assistant header, preambles such as Llama 3.1's
   * "Cutting Knowledge Date"). Default: 32.
   */
  templateOverheadTokens?: number;
  /** Tokens the chat template adds around each message. Default: 8. */
  perMessageOverheadTokens?: number;
}

export const DEFAULT_TEMPLATE_OVERHEAD_TOKENS = 32;

/**
 * Lays out the messages so that prompt + maxAnswerTokens fits contextSize: system prompt and user turn
 * always, then as much recent history as the rest allows. Throws AppError("bad_request") when the question
 * (with its passages) is too long even without history, and AppError("config_invalid") when the system
 * prompt and answer reserve alone leave no room, which no student can fix.
 */
export function planPrompt(input: PlanPromptInput): PromptPlan {
  const { contextSize, maxAnswerTokens, countTokens } = input;
  const templateOverheadTokens = input.templateOverheadTokens ?? DEFAULT_TEMPLATE_OVERHEAD_TOKENS;
  const perMessageOverheadTokens = input.perMessageOverheadTokens ?? DEFAULT_PER_MESSAGE_OVERHEAD_TOKENS;
  if (!Number.isInteger(contextSize) || contextSize <= 0) {
    throw new AppError(
      `Context size must be a positive whole number of tokens, got ${contextSize}`,
      "config_invalid",
    );
  }
  if (!Number.isInteger(maxAnswerTokens) || maxAnswerTokens <= 0) {
    throw new AppError(
      `Maximum answer length must be a positive whole number of tokens, got ${maxAnswerTokens}`,
      "config_invalid",
    );
  }

  const systemTokens = countTokens(input.systemPrompt) + perMessageOverheadTokens;
  const userTokens = countTokens(input.userTurn) + perMessageOverheadTokens;
  const fixedTokens = templateOverheadTokens + systemTokens + maxAnswerTokens;
  if (fixedTokens >= contextSize) {
    throw new AppError(
      `The system prompt (${systemTokens} tokens) plus ${maxAnswerTokens} tokens reserved for the answer ` +
        `do not fit the ${contextSize}-token context: shorten the system prompt, lower the answer length ` +
        "or use a larger context size",
      "config_invalid",
    );
  }
  const historyBudget = contextSize - fixedTokens - userTokens;
  if (historyBudget < 0) {
    throw new AppError(
      "問題太長，超出模型一次能處理的長度，請縮短問題或分成幾個小問題再問。" +
        `(The question is too long: with its passages it needs ${userTokens} tokens, ` +
        `but only ${contextSize - fixedTokens} of the ${contextSize}-token context are left.)`,
      "bad_request",
    );
  }

  const kept = trimHistory(input.history, {
    budgetTokens: historyBudget,
    countTokens,
    perMessageOverheadTokens,
  });
  const messages: ChatMessage[] = [
    { role: "system", content: input.systemPrompt },
    ...kept,
    { role: "user", content: input.userTurn },
  ];
  return {
    messages,
    historyKept: kept.length,
    historyDropped: input.history.length - kept.length,
    budget: {
      contextSize,
      reservedForAnswer: maxAnswerTokens,
      systemTokens,
      userTokens,
      historyTokens: countHistoryTokens(kept, countTokens, perMessageOverheadTokens),
      templateOverheadTokens,
    },
  };
}
