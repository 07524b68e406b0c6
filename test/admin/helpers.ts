import type { TracePassage } from "../../src/types.ts";

export function passage(hits: { fulltext?: number; vector?: number }, rank = 1): TracePassage {
  const retrievers = [];
  if (hits.fulltext !== undefined)
    retrievers.push({ retriever: "fulltext" as const, rank, score: hits.fulltext });
  if (hits.vector !== undefined) retrievers.push({ retriever: "vector" as const, rank, score: hits.vector });
  return {
    rank,
    score: 0.03,
    chunkId: `c${rank}`,
    documentPath: "syllabus.md",
    title: "課程大綱",
    location: "評分",
    link: "",
    text: "作業佔 40%",
    retrievers,
  };
}
