/** Retrieval quality over a question set: recall@1, recall@k, MRR, passage length, latency. */
import { type ContextBudgetOptions, fitPassagesToBudget } from "./context.ts";
import type { Retriever } from "./retriever.ts";

export interface EvalQuestion {
  question: string;
  /** A phrase any correct passage contains (whitespace-insensitive). */
  mustContain: string;
}

export interface RetrievalReport {
  questions: number;
  k: number;
  recallAt1: number;
  recallAtK: number;
  mrr: number;
  averagePassageChars: number;
  p50Ms: number;
  p95Ms: number;
  /** With a context budget: what the model would be shown (see context.ts). */
  budget?: {
    budgetTokens: number;
    /** Share of questions whose answer-bearing passage is among the fitted passages. */
    recallInBudget: number;
    /** Median passage tokens per prompt: the top-k passages as retrieved, and after fitting. */
    medianTokensBefore: number;
    medianTokensAfter: number;
    /** Mean passages per prompt after fitting. */
    averagePassagesAfter: number;
  };
  misses: { question: string; mustContain: string; queryTerms: string }[];
}

const compact = (text: string) => text.replace(/\s+/g, "");
const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * The budget figures: fitted from the ranked passages with `budget`, or, when `budget.retriever` is
 * given, what that retriever (the service's own, with its budget) returns for the same question.
 */
export type EvalBudget = ContextBudgetOptions & { retriever?: Retriever };

export async function evaluateRetrieval(
  retriever: Retriever,
  questions: readonly EvalQuestion[],
  k = 5,
  budget?: EvalBudget,
): Promise<RetrievalReport> {
  let inBudget = 0;
  let passagesAfter = 0;
  const tokensBefore: number[] = [];
  const tokensAfter: number[] = [];
  let hitsAt1 = 0;
  let hitsAtK = 0;
  let reciprocalRankSum = 0;
  let passageChars = 0;
  let passageCount = 0;
  const latencies: number[] = [];
  const misses: RetrievalReport["misses"] = [];
  for (const item of questions) {
    const result = await retriever.retrieve(item.question, { topK: k });
    latencies.push(result.retrievalMs);
    const phrase = compact(item.mustContain);
    const rank = result.passages.findIndex((passage) => compact(passage.chunk.text).includes(phrase)) + 1;
    for (const passage of result.passages) {
      passageChars += [...passage.chunk.text].length;
      passageCount++;
    }
    if (budget) {
      const fitted = budget.retriever
        ? (await budget.retriever.retrieve(item.question, { topK: k })).passages
        : fitPassagesToBudget(result.passages, budget);
      const total = (passages: typeof fitted) =>
        passages.reduce((sum, passage) => sum + budget.countTokens(passage.chunk.text), 0);
      tokensBefore.push(total(result.passages));
      tokensAfter.push(total(fitted));
      passagesAfter += fitted.length;
      if (fitted.some((passage) => compact(passage.chunk.text).includes(phrase))) inBudget++;
    }
    if (rank === 1) hitsAt1++;
    if (rank >= 1) {
      hitsAtK++;
      reciprocalRankSum += 1 / rank;
    } else {
      misses.push({ question: item.question, mustContain: item.mustContain, queryTerms: result.queryTerms });
    }
  }
  latencies.sort((a, b) => a - b);
  const count = Math.max(1, questions.length);
  return {
    questions: questions.length,
    k,
    recallAt1: round(hitsAt1 / count),
    recallAtK: round(hitsAtK / count),
    mrr: round(reciprocalRankSum / count),
    averagePassageChars: Math.round(passageChars / Math.max(1, passageCount)),
    p50Ms: round(latencies[Math.floor(latencies.length * 0.5)] ?? 0),
    p95Ms: round(latencies[Math.floor(latencies.length * 0.95)] ?? 0),
    ...(budget && {
      budget: {
        budgetTokens: budget.budgetTokens,
        recallInBudget: round(inBudget / count),
        medianTokensBefore: median(tokensBefore),
        medianTokensAfter: median(tokensAfter),
        averagePassagesAfter: round(passagesAfter / count),
      },
    }),
    misses,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
