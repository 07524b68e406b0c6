/**
 * Hybrid retrieval: two lexical views of the question (character bigrams, words) against their
 * full-text indexes, its embedding against the vectors, fused by reciprocal rank.
 */
import type { Embedder, Reranker } from "../embed/index.ts";
import { errorMessage } from "../errors.ts";
import type { ChunkHit, ChunkStore } from "../store/index.ts";
import { askedDocumentKinds, type DocumentKind, documentKind } from "../text/document-kind.ts";
import {
  EMPTY_GLOSSARY,
  type Glossary,
  glossaryExpansion,
  mergeGlossaries,
  mineGlossary,
} from "../text/glossary.ts";
import { buildVocabulary, spellingExpansion, type Vocabulary } from "../text/spelling.ts";
import { queryTerms } from "../text/terms.ts";
import { queryWords } from "../text/words.ts";
import type { Passage } from "../types.ts";
import { fuseRankings, preferKinds, type RankedList } from "./fusion.ts";
import { coverageScore, profileQuery } from "./rerank.ts";
import { createRerankStage } from "./rerank-stage.ts";
import { WIDEN_REACH, widenPassages } from "./window.ts";

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
  /**
   * Longest passage, in characters: each found chunk is widened with its neighbours up to this
   * (see window.ts). Default 0: chunks as stored.
   */
  passageChars?: number;
  /** Longest first passage (the best match grows further, see window.ts). Default passageChars. */
  firstPassageChars?: number;
  /** Staff-edited synonyms (GLOSSARY_FILE). Default none. */
  glossary?: Glossary;
  /**
   * Also expand questions with synonyms mined from the corpus (「檢索增強生成（RAG）」), re-mined
   * when the corpus changes. Default true.
   */
  mineGlossary?: boolean;
  /**
   * Applied to the fused passages before they are returned (the chat service passes the context
   * budget here: see context.ts). Default none: the fused passages as they are.
   */
  fitContext?: (passages: Passage[]) => Passage[];
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
/** What the question is expanded with: synonyms (staff and mined) and the corpus's English words. */
interface Lexicon {
  glossary: Glossary;
  vocabulary: Vocabulary;
}

/** How often the retriever asks whether the corpus changed (and the mined glossary is stale). */
const GLOSSARY_RECHECK_MS = 30_000;

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
  const passageChars = options.passageChars ?? 0;
  const firstPassageChars = options.firstPassageChars || passageChars;

  /** The first `topK` passages, each widened with its neighbours (one store query for all of them). */
  async function widen(passages: Passage[], topK: number): Promise<Passage[]> {
    try {
      const neighbours = await options.chunks.chunksNear(
        passages.map((passage) => passage.chunk),
        WIDEN_REACH,
      );
      return widenPassages(passages, neighbours, {
        maxChars: passageChars,
        firstMaxChars: firstPassageChars,
        limit: topK,
      });
    } catch (error) {
      options.onWarning?.(`widening passages failed, using them as stored: ${errorMessage(error)}`);
      return passages.slice(0, topK);
    }
  }

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

  const staffGlossary = options.glossary ?? EMPTY_GLOSSARY;
  const staffLexicon: Lexicon = { glossary: staffGlossary, vocabulary: new Map() };
  let lexicon: { version: number; checkedAt: number; value: Promise<Lexicon> } | undefined;

  /**
   * Staff glossary plus what is mined from the corpus (its glossary and English vocabulary),
   * re-mined when the corpus version changed.
   */
  async function currentLexicon(): Promise<Lexicon> {
    if (options.mineGlossary === false) return staffLexicon;
    if (lexicon && Date.now() - lexicon.checkedAt < GLOSSARY_RECHECK_MS) return lexicon.value;
    const version = await options.chunks.version();
    if (lexicon?.version === version) {
      lexicon.checkedAt = Date.now();
      return lexicon.value;
    }
    const value = options.chunks.allTexts().then(
      (texts) => ({
        glossary: mergeGlossaries(staffGlossary, mineGlossary(texts)),
        vocabulary: buildVocabulary(texts),
      }),
      (error) => {
        options.onWarning?.(`mining the glossary failed: ${errorMessage(error)}`);
        return staffLexicon;
      },
    );
    lexicon = { version, checkedAt: Date.now(), value };
    return value;
  }

  return {
    mode: options.embedder ? "hybrid" : "fulltext",
    async retrieve(question, retrieveOptions) {
      const started = performance.now();
      // Two lexical views fused by rank: the literal question as words (plain BM25), and the
      // question with its glossary synonyms as character bigrams (BM25 nudged by coverage).
      const { glossary, vocabulary } = await currentLexicon();
      const spelling = spellingExpansion(question, vocabulary);
      const asSpelt = spelling ? `${question}\n${spelling}` : question;
      const expansion = glossaryExpansion(asSpelt, glossary);
      const terms = queryTerms(expansion ? `${asSpelt}\n${expansion}` : asSpelt);
      const words = queryWords(asSpelt);
      const [fulltext, wordHits, vector] = await Promise.all([
        options.chunks.searchFullText(terms, candidates),
        options.chunks.searchFullText(words, candidates, "words"),
        vectorHits(question),
      ]);
      const rankings: RankedList[] = [
        { retriever: "fulltext", hits: rerankFullText(question, fulltext) },
        { retriever: "words", hits: wordHits },
      ];
      if (options.embedder) rankings.push({ retriever: "vector", hits: vector });
      const topK = retrieveOptions?.topK ?? options.topK ?? 5;
      // Fused widely enough that passages dropped by widening (already inside a better one) are replaced.
      const pool = Math.max(topK * 3, rerankCandidates);
      const asked = askedDocumentKinds(question);
      const fused = preferKinds(fuseRankings(rankings, { limit: pool }), (chunk) =>
        asked.includes(documentKind(chunk.documentPath) as DocumentKind),
      );
      const reranked = await rerank(question, fused);
      // firstPassageChars falls back to passageChars: 0 means neither widens.
      const ranked = firstPassageChars > 0 ? await widen(reranked, topK) : reranked.slice(0, topK);
      const passages = options.fitContext ? options.fitContext(ranked) : ranked;
      // Relevance over the bigram view's top k, the ranking the refusal thresholds were calibrated on
      // (the word view surfaces passages that share words but less of the question's text).
      const profile = profileQuery(question);
      const limit = retrieveOptions?.topK ?? options.topK ?? 5;
      const relevance = Math.max(
        0,
        ...rankings[0]!.hits.slice(0, limit).map((hit) => coverageScore(profile, hit.chunk.text)),
      );
      return { passages, rankings, queryTerms: terms, relevance, retrievalMs: performance.now() - started };
    },
  };
}
