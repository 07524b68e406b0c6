/**
 * Fewer, denser passages for the prompt. Pure (the token counter is passed in).
 *
 * Prompt evaluation is the slowest step on a CPU, so the passages the model reads are trimmed:
 * passages whose fused score falls far below the best one are dropped, adjacent chunks of one
 * document are merged (their shared overlap said once), and what is left is capped at a token budget.
 */
import type { Passage } from "../types.ts";

export interface ContextBudgetOptions {
  /** Most passage tokens in one prompt; 0 = no cap. */
  budgetTokens: number;
  /** Counts tokens as the chat model does (its tokenizer), or approximateTokenCount. */
  countTokens: (text: string) => number;
  /** Passages scoring below this share of the best fused score are dropped. Default 0.3. */
  minScoreRatio?: number;
}

export const DEFAULT_MIN_SCORE_RATIO = 0.3;

/**
 * A tokenizer-free estimate for when no model is loaded: one token per CJK character, one per
 * four other characters (close to Qwen's and Llama 3's tokenizers on the course material).
 */
export function approximateTokenCount(text: string): number {
  const cjk =
    text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu)?.length ?? 0;
  const other = text.replace(/\s+/g, " ").length - cjk;
  return cjk + Math.ceil(Math.max(0, other) / 4);
}

/**
 * The first passage's widening cap under a token budget: at most half the budget (a CJK character is
 * about one token), never below the other passages' cap. A 1,000-character first passage would
 * otherwise fill a 1,000-token budget alone and leave no room for the second-best passage.
 * Without a budget, the configured cap.
 */
export function firstPassageCharsFor(firstChars: number, passageChars: number, budgetTokens: number): number {
  if (budgetTokens <= 0) return firstChars;
  return Math.min(firstChars || passageChars, Math.max(passageChars, Math.floor(budgetTokens / 2)));
}

/** Longest end of `first` (8 characters or more) that `second` starts with: the chunker's overlap. */
function overlapLength(first: string, second: string): number {
  const limit = Math.min(first.length, second.length) - 1;
  for (let length = limit; length >= 8; length--) {
    if (first.endsWith(second.slice(0, length))) return length;
  }
  return 0;
}

/** Two neighbouring chunks of a document as one passage, their overlap once. */
function mergePair(earlier: Passage, later: Passage): Passage {
  const first = earlier.chunk.text.trimEnd();
  const second = later.chunk.text.trimStart();
  const shared = overlapLength(first, second);
  const text = shared > 0 ? first + second.slice(shared) : `${first}\n${second}`;
  const retrievers = [...earlier.retrievers];
  for (const hit of later.retrievers) {
    const index = retrievers.findIndex((existing) => existing.retriever === hit.retriever);
    if (index < 0) retrievers.push(hit);
    else if (hit.rank < retrievers[index]!.rank) retrievers[index] = hit;
  }
  return {
    rank: Math.min(earlier.rank, later.rank),
    chunk: { ...earlier.chunk, text },
    score: Math.max(earlier.score, later.score),
    retrievers,
  };
}

/**
 * Merges passages that are neighbouring chunks of one document (positions n and n+1, in any rank
 * order) into one, placed where the better-ranked of them was.
 */
export function mergeAdjacentPassages(passages: readonly Passage[]): Passage[] {
  const merged: Array<{ passage: Passage; from: number; to: number }> = [];
  for (const passage of passages) {
    const { documentPath, position } = passage.chunk;
    const entry = merged.find(
      (candidate) =>
        candidate.passage.chunk.documentPath === documentPath &&
        (position === candidate.from - 1 || position === candidate.to + 1),
    );
    if (!entry) {
      merged.push({ passage, from: position, to: position });
    } else if (position === entry.to + 1) {
      entry.passage = mergePair(entry.passage, passage);
      entry.to = position;
    } else {
      // The later chunk's identity (id, location) stays: the passage is still where it ranked.
      const joined = mergePair(passage, entry.passage);
      entry.passage = { ...joined, chunk: { ...joined.chunk, id: entry.passage.chunk.id } };
      entry.from = position;
    }
  }
  return merged.map((entry, index) => ({ ...entry.passage, rank: index + 1 }));
}

/**
 * The passages the model is shown: far-below-best ones dropped, neighbours merged, then as many as
 * fit `budgetTokens` in rank order (a passage that does not fit is skipped for a smaller later one;
 * the best passage is always kept). Ranks are renumbered 1…n.
 */
export function fitPassagesToBudget(passages: readonly Passage[], options: ContextBudgetOptions): Passage[] {
  if (passages.length === 0) return [];
  const ratio = options.minScoreRatio ?? DEFAULT_MIN_SCORE_RATIO;
  const best = Math.max(...passages.map((passage) => passage.score));
  const strong = passages.filter((passage, index) => index === 0 || passage.score >= best * ratio);
  const merged = mergeAdjacentPassages(strong);
  if (options.budgetTokens <= 0) return merged;
  const kept: Passage[] = [];
  let used = 0;
  for (const passage of merged) {
    const tokens = options.countTokens(passage.chunk.text);
    if (kept.length > 0 && used + tokens > options.budgetTokens) continue;
    kept.push(passage);
    used += tokens;
  }
  return kept.map((passage, index) => ({ ...passage, rank: index + 1 }));
}
