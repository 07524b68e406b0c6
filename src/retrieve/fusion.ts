/** Reciprocal rank fusion of several retrievers' rankings. Pure. */
import type { Chunk, Passage, RetrieverHit, RetrieverName } from "../types.ts";

export interface RankedList {
  retriever: RetrieverName;
  hits: ReadonlyArray<{ chunk: Chunk; score: number }>;
  /** Relative trust in this retriever; default 1. */
  weight?: number;
}

export interface FusionOptions {
  /** RRF damping constant; the usual 60 keeps one retriever's top hit from dominating. Default 60. */
  k?: number;
  /** Passages returned. */
  limit: number;
}

/** Normalized text used to drop passages that say the same thing twice (e.g. a file ingested twice). */
function duplicateKey(chunk: Chunk): string {
  return chunk.text.replace(/\s+/g, "").slice(0, 200);
}

export function fuseRankings(lists: readonly RankedList[], options: FusionOptions): Passage[] {
  const k = options.k ?? 60;
  const byId = new Map<string, { chunk: Chunk; score: number; retrievers: RetrieverHit[] }>();
  for (const list of lists) {
    const weight = list.weight ?? 1;
    list.hits.forEach((hit, index) => {
      const rank = index + 1;
      const entry = byId.get(hit.chunk.id) ?? { chunk: hit.chunk, score: 0, retrievers: [] };
      if (entry.retrievers.some((existing) => existing.retriever === list.retriever)) return;
      entry.score += weight / (k + rank);
      entry.retrievers.push({ retriever: list.retriever, rank, score: hit.score });
      byId.set(hit.chunk.id, entry);
    });
  }
  const ranked = [...byId.values()].sort(
    (a, b) => b.score - a.score || bestRank(a.retrievers) - bestRank(b.retrievers),
  );
  const seen = new Set<string>();
  const passages: Passage[] = [];
  for (const entry of ranked) {
    const key = duplicateKey(entry.chunk);
    if (seen.has(key)) continue;
    seen.add(key);
    passages.push({
      rank: passages.length + 1,
      chunk: entry.chunk,
      score: entry.score,
      retrievers: entry.retrievers,
    });
    if (passages.length >= options.limit) break;
  }
  return passages;
}

function bestRank(hits: RetrieverHit[]): number {
  return Math.min(...hits.map((hit) => hit.rank));
}

/**
 * When the question names a kind of document (「投影片上…」, "slide 上"), the fused passages from
 * documents of that kind are fused once more, as one more ranking (their fused order, same k):
 * the slides' telling of an example then comes before the transcript's. Ranks are renumbered.
 */
export function preferKinds(
  passages: readonly Passage[],
  isAskedKind: (chunk: Chunk) => boolean,
  options: { k?: number } = {},
): Passage[] {
  const k = options.k ?? 60;
  let kindRank = 0;
  const rescored = passages.map((passage, index) => {
    if (!isAskedKind(passage.chunk)) return { passage, index };
    kindRank += 1;
    return { passage: { ...passage, score: passage.score + 1 / (k + kindRank) }, index };
  });
  if (kindRank === 0) return [...passages];
  return rescored
    .sort((a, b) => b.passage.score - a.passage.score || a.index - b.index)
    .map((entry, index) => ({ ...entry.passage, rank: index + 1 }));
}
