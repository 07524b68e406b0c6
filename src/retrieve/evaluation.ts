/** Retrieval quality over a question set: recall@1, recall@k, MRR, passage length, latency. */
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
  misses: { question: string; mustContain: string; queryTerms: string }[];
}

const compact = (text: string) => text.replace(/\s+/g, "");
const round = (value: number) => Math.round(value * 1000) / 1000;

export async function evaluateRetrieval(
  retriever: Retriever,
  questions: readonly EvalQuestion[],
  k = 5,
): Promise<RetrievalReport> {
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
    misses,
  };
}
