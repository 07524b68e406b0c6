/**
 * Answer generation straight on `sequence.evaluate`, the loop LlamaChat.generateResponse runs with
 * its stop detectors, stream regulator and segment handling left out: that bookkeeping cost ~12% of
 * decode speed per token against sequence.evaluate (measured on 2 threads; DESIGN.md). Covers what a plain chat answer needs: the
 * chat wrapper's stop triggers (tokens and text), end-of-generation tokens, incremental UTF-8-safe
 * detokenization, max tokens, abort, and LlamaChat's default repeat penalty.
 */
import type {
  ChatWrapperGeneratedContextState,
  LlamaContextSequence,
  LlamaModel,
  LlamaText,
  Token,
} from "node-llama-cpp";
import type { SamplingOptions } from "../types.ts";
import type { StopReason } from "./engine-types.ts";
import { StopTextScanner } from "./stop-text.ts";

/** LlamaChat's defaults: punish the last 64 answer tokens, never the newline token. */
const REPEAT_PENALTY_LAST_TOKENS = 64;
/** Tokens detokenized before the new ones, so SentencePiece spacing comes out as in one pass (node-llama-cpp uses 3). */
const DETOKENIZER_CONTEXT_TOKENS = 3;
/** A multi-byte character spans at most 4 byte tokens: hold at most that many for it. */
const MAX_PARTIAL_CHARACTER_TOKENS = 4;
const UNKNOWN_CHARACTER = "\uFFFD";

export interface StopTriggers {
  /** Token sequences (triggers with special tokens) that end the answer. */
  tokenSequences: Token[][];
  /** Plain-text triggers that end the answer wherever they appear in the text. */
  texts: string[];
}

/** The chat wrapper's stop triggers as token sequences (special tokens) and plain strings. */
export function resolveStopTriggers(
  triggers: readonly LlamaText[],
  model: Pick<LlamaModel, "tokenizer">,
): StopTriggers {
  const tokenSequences: Token[][] = [];
  const texts: string[] = [];
  for (const trigger of triggers) {
    if (trigger.values.every((value) => typeof value === "string")) {
      const text = trigger.values.join("");
      if (text !== "") texts.push(text);
    } else {
      const tokens = trigger.tokenize(model.tokenizer);
      if (tokens.length > 0) tokenSequences.push(tokens);
    }
  }
  return { tokenSequences, texts };
}

/**
 * True when a context state needs LlamaChat's fuller handling (text to ignore at the start, prefix
 * triggers, thought segments, re-rendering); a plain ChatML/Llama/Qwen 2.5 answer needs none.
 */
export function needsFullChatHandling(
  state: Pick<
    ChatWrapperGeneratedContextState,
    "ignoreStartText" | "prefixTriggers" | "noPrefixTrigger" | "rerender" | "functionCall"
  >,
  wrapperHasSegments: boolean,
): boolean {
  return (
    wrapperHasSegments ||
    (state.ignoreStartText?.length ?? 0) > 0 ||
    (state.prefixTriggers?.length ?? 0) > 0 ||
    state.noPrefixTrigger != null ||
    state.rerender != null
  );
}

export interface TokenGenerationRequest {
  sequence: LlamaContextSequence;
  model: LlamaModel;
  promptTokens: readonly Token[];
  /** Leading prompt tokens the sequence already holds (< promptTokens.length). */
  reusedTokens: number;
  sampling: SamplingOptions;
  maxTokens: number;
  stop: StopTriggers;
  signal: AbortSignal;
  onText: (text: string) => void;
}

function endsWith(tokens: readonly Token[], suffix: readonly Token[]): boolean {
  if (suffix.length > tokens.length) return false;
  const offset = tokens.length - suffix.length;
  return suffix.every((token, index) => tokens[offset + index] === token);
}

/**
 * Evaluates the prompt after the reused prefix and samples the answer, streaming its text.
 * `completionTokens` counts every sampled token, the one that ended the answer included (as
 * node-llama-cpp's token meter does). Throws the signal's reason when aborted.
 */
export async function generateAnswerTokens(
  request: TokenGenerationRequest,
): Promise<{ completionTokens: number; stopReason: StopReason }> {
  const { sequence, model, promptTokens, reusedTokens, sampling, signal } = request;
  if (sequence.nextTokenIndex > reusedTokens) {
    await sequence.eraseContextTokenRanges([{ start: reusedTokens, end: sequence.nextTokenIndex }]);
  }
  const answer: Token[] = [];
  const newLine = model.tokens.nl;
  const scanner = new StopTextScanner(request.stop.texts);
  const emit = (text: string) => {
    if (text !== "") request.onText(text);
  };
  // Tokens sampled but not yet turned into text (a character split across byte tokens).
  let pending: Token[] = [];
  let detokenized = promptTokens.slice(-DETOKENIZER_CONTEXT_TOKENS);
  const flushPending = (force: boolean): void => {
    if (pending.length === 0) return;
    const text = model.detokenize(pending, false, detokenized);
    if (!force && text.endsWith(UNKNOWN_CHARACTER) && pending.length < MAX_PARTIAL_CHARACTER_TOKENS) return;
    detokenized = [...detokenized, ...pending].slice(-DETOKENIZER_CONTEXT_TOKENS);
    pending = [];
    emit(scanner.push(text));
  };

  const tokens = sequence.evaluate(promptTokens.slice(reusedTokens) as Token[], {
    temperature: sampling.temperature,
    topP: sampling.topP,
    topK: sampling.topK,
    minP: sampling.minP,
    seed: sampling.seed,
    yieldEogToken: true,
    ...(sampling.repeatPenalty === 1
      ? {}
      : {
          repeatPenalty: {
            penalty: sampling.repeatPenalty,
            maxPunishTokens: REPEAT_PENALTY_LAST_TOKENS,
            punishTokens: () =>
              answer.slice(-REPEAT_PENALTY_LAST_TOKENS).filter((token) => token !== newLine),
          },
        }),
  });
  let stopReason: StopReason = "length";
  for await (const token of tokens) {
    if (signal.aborted) throw signal.reason;
    answer.push(token);
    if (model.isEogToken(token) || request.stop.tokenSequences.some((stop) => endsWith(answer, stop))) {
      stopReason = "stop";
      break;
    }
    pending.push(token);
    flushPending(model.isSpecialToken(token));
    if (scanner.stopped) {
      stopReason = "stop";
      break;
    }
    if (answer.length >= request.maxTokens) break;
  }
  if (signal.aborted) throw signal.reason;
  // A character cut off by the end of generation is dropped, as LlamaChat does.
  pending = [];
  emit(scanner.flush());
  return { completionTokens: answer.length, stopReason };
}
