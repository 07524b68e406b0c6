/** Hybrid retrieval: the question's terms against the full-text index, its embedding against the vectors. */
import type { Embedder, Reranker } from "../embed/index.ts";
import { errorMessage } from "../errors.ts";
import type { ChunkHit, ChunkStore } from "../store/index.ts";
import { queryTerms } from "../text/terms.ts";
import type { Passage } from "../types.ts";
import { fuseRankings, type RankedList } from "./fusion.ts";
import { coverageScore, profileQuery } from "./rerank.ts";
import { createRerankStage } from "./rerank-stage.ts";

export interface RetrieverOptions {
  chunks: ChunkStore;
  embedder: Embedder | null;
  /** Passages returned. Default 5. */
  topK?: number;
  /** Candidates taken from each retriever before fusion. Default 30. */
  candidates?: number;
  /** Cross-encoder that reorders the first `rerankCandidates` fused passages; default none (fused order). */
  reranker?: Reranker | null;
  /** Fused passages the reranker rescores. Default 10. */
  rerankCandidates?: number;
  onWarning?: (message: string) => void;
}

export interface RetrievalResult {
  passages: Passage[];
  /** Each retriever's own ranking, for the admin playground. */
  rankings: RankedList[];
  queryTerms: string;
  /**
   * How well the best passage covers the question (share of its bigrams/words found, plus a bonus
   * for trigrams; 0 = nothing shared). Used to tell "not in the material" from a real answer.
   */
  relevance: number;
  retrievalMs: number;
}

export interface Retriever {
  retrieve(question: string, options?: { topK?: number }): Promise<RetrievalResult>;
  readonly mode: "hybrid" | "fulltext";
}

/**
 * BM25 order, nudged by how much of the question each candidate covers (see rerank.ts). Half weight:
 * with Latin words split correctly from CJK, BM25 alone ranks well and a full-weight nudge
 * overrode it more often than it helped (see README, Retrieval quality).
 */
const COVERAGE_WEIGHT = 0.5;

function rerankFullText(question: string, hits: ChunkHit[]): ChunkHit[] {
  if (hits.length === 0) return hits;
  const profile = profileQuery(question);
  const best = Math.max(...hits.map((hit) => hit.score));
  const scored = hits.map((hit) => ({
    hit,
    value: hit.score / best + COVERAGE_WEIGHT * coverageScore(profile, hit.chunk.text),
  }));
  return scored.sort((a, b) => b.value - a.value).map((entry) => entry.hit);
}

export function createRetriever(options: RetrieverOptions): Retriever {
  const candidates = options.candidates ?? 30;
  const rerankCandidates = options.reranker ? (options.rerankCandidates ?? 10) : 0;
  const rerank = createRerankStage({
    reranker: options.reranker ?? null,
    candidates: rerankCandidates,
    onWarning: options.onWarning,
  });
  let vectorWarningShown = false;

  async function vectorHits(question: string): Promise<ChunkHit[]> {
    if (!options.embedder) return [];
    try {
      const [vector] = await options.embedder.embedQueries([question]);
      return vector ? await options.chunks.searchVector(vector, candidates) : [];
    } catch (error) {
      // A broken vector leg must not take full-text answers down with it.
      if (!vectorWarningShown)
        options.onWarning?.(`vector search failed, using full-text only: ${errorMessage(error)}`);
      vectorWarningShown = true;
      return [];
    }
  }

  return {
    mode: options.embedder ? "hybrid" : "fulltext",
    async retrieve(question, retrieveOptions) {
      const started = performance.now();
      const terms = queryTerms(question);
      const [fulltext, vector] = await Promise.all([
        options.chunks.searchFullText(terms, candidates),
        vectorHits(question),
      ]);
      const rankings: RankedList[] = [{ retriever: "fulltext", hits: rerankFullText(question, fulltext) }];
      if (options.embedder) rankings.push({ retriever: "vector", hits: vector });
      const topK = retrieveOptions?.topK ?? options.topK ?? 5;
      const fused = fuseRankings(rankings, { limit: Math.max(topK, rerankCandidates) });
      const passages = (await rerank(question, fused)).slice(0, topK);
      const profile = profileQuery(question);
      const relevance = Math.max(0, ...passages.map((passage) => coverageScore(profile, passage.chunk.text)));
      return { passages, rankings, queryTerms: terms, relevance, retrievalMs: performance.now() - started };
    },
  };
}
