export interface HistoryTurn {
  role: "user" | "assistant";
  content: string;
}

export interface TrimHistoryOptions {
  /** Tokens the kept turns may use, per-message overhead included. */
  budgetTokens: number;
  countTokens: (text: string) => number;
  /** Tokens the chat template adds around each message (role header, end marker). Default: 8. */
  perMessageOverheadTokens?: number;
}

export const DEFAULT_PER_MESSAGE_OVERHEAD_TOKENS = 8;

/** Tokens `turns` take in the prompt, counted the way trimHistory counts them. */
export function countHistoryTokens(
  turns: HistoryTurn[],
  countTokens: (text: string) => number,
  perMessageOverheadTokens = DEFAULT_PER_MESSAGE_OVERHEAD_TOKENS,
): number {
  let total = 0;
  for (const turn of turns) total += countTokens(turn.content) + perMessageOverheadTokens;
  return total;
}

/**
 * Keeps the newest complete exchanges (a user turn directly followed by an assistant turn) that fit in
 * the budget, and returns them in chronological order. Unanswered user turns and stray assistant turns
 * are dropped: many chat templates reject roles that do not alternate, and the new question follows.
 * Stops at the first exchange that does not fit, so no older turn is kept without the newer ones.
 */
export function trimHistory(history: HistoryTurn[], options: TrimHistoryOptions): HistoryTurn[] {
  const overhead = options.perMessageOverheadTokens ?? DEFAULT_PER_MESSAGE_OVERHEAD_TOKENS;
  if (!(options.budgetTokens > 0)) return [];

  const kept: HistoryTurn[][] = [];
  let used = 0;
  for (let index = history.length - 1; index >= 1; index--) {
    const answer = history[index]!;
    const question = history[index - 1]!;
    if (answer.role !== "assistant" || question.role !== "user") continue;
    const pair: HistoryTurn[] = [
      { role: "user", content: question.content },
      { role: "assistant", content: answer.content },
    ];
    const cost = countHistoryTokens(pair, options.countTokens, overhead);
    if (used + cost > options.budgetTokens) break;
    kept.push(pair);
    used += cost;
    index--; // the user turn is consumed by this pair
  }
  return kept.reverse().flat();
}
