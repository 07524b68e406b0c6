/**
 * The optional cross-encoder stage after fusion: the first `candidates` fused passages are rescored
 * by the reranker and put in its order (its rank and score recorded as the "reranker" retriever);
 * passages past them keep their fused order. Without a reranker the fused order is kept as it is.
 */
import type { Reranker } from "../embed/index.ts";
import { errorMessage } from "../errors.ts";
import type { Passage } from "../types.ts";

export interface RerankStageOptions {
  reranker: Reranker | null;
  /** Fused passages the reranker rescores. */
  candidates: number;
  onWarning?: (message: string) => void;
}

export type RerankStage = (question: string, passages: Passage[]) => Promise<Passage[]>;

/** Puts the first `scores.length` passages in score order (ties keep fused order) and renumbers all. */
export function applyRerankScores(passages: Passage[], scores: number[]): Passage[] {
  const head = passages.slice(0, scores.length).map((passage, index) => ({ passage, score: scores[index]! }));
  head.sort((a, b) => b.score - a.score || a.passage.rank - b.passage.rank);
  const reranked = head.map(({ passage, score }, index) => ({
    ...passage,
    retrievers: [...passage.retrievers, { retriever: "reranker" as const, rank: index + 1, score }],
  }));
  return [...reranked, ...passages.slice(scores.length)].map((passage, index) => ({
    ...passage,
    rank: index + 1,
  }));
}

export function createRerankStage(options: RerankStageOptions): RerankStage {
  const { reranker } = options;
  if (!reranker) return async (_question, passages) => passages;
  let failureShown = false;
  return async (question, passages) => {
    const head = passages.slice(0, options.candidates);
    if (head.length < 2) return passages;
    try {
      const scores = await reranker.score(
        question,
        head.map((passage) => passage.chunk.text),
      );
      return applyRerankScores(passages, scores);
    } catch (error) {
      // A failing reranker must not take retrieval down with it: keep the fused order.
      if (!failureShown)
        options.onWarning?.(`reranker failed, keeping the fused order: ${errorMessage(error)}`);
      failureShown = true;
      return passages;
    }
  };
}
