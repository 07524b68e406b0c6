/** When retrieval counts as weak: the corpus probably did not have the answer. Pure. */
import type { RetrieverName, TracePassage } from "../types.ts";

export interface WeakRetrievalThresholds {
  /** Best full-text (BM25) score below this is weak. Default 3. */
  fulltext: number;
  /** Best vector cosine similarity below this is weak. Default 0.3. */
  vector: number;
}

export const DEFAULT_WEAK_RETRIEVAL: WeakRetrievalThresholds = { fulltext: 3, vector: 0.3 };

/** The best score each retriever reached among the passages (a retriever absent from all passages is absent). */
export function bestRetrieverScores(
  passages: readonly TracePassage[],
): Partial<Record<RetrieverName, number>> {
  const best: Partial<Record<RetrieverName, number>> = {};
  for (const passage of passages) {
    for (const hit of passage.retrievers) {
      const current = best[hit.retriever];
      if (current === undefined || hit.score > current) best[hit.retriever] = hit.score;
    }
  }
  return best;
}

/**
 * Weak when no retriever is confident: no passages at all, or the best full-text score and the best
 * vector similarity are both under their thresholds. One confident retriever is enough, because a
 * strong lexical match means the corpus does cover the question even when the embedding disagrees.
 */
export function isWeakRetrieval(
  passages: readonly TracePassage[],
  thresholds: WeakRetrievalThresholds = DEFAULT_WEAK_RETRIEVAL,
): boolean {
  const best = bestRetrieverScores(passages);
  const fulltextStrong = best.fulltext !== undefined && best.fulltext >= thresholds.fulltext;
  const vectorStrong = best.vector !== undefined && best.vector >= thresholds.vector;
  return !fulltextStrong && !vectorStrong;
}
