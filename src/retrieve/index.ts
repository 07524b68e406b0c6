export { searchTextFor } from "./follow-up.ts";
export { type FusionOptions, fuseRankings, type RankedList } from "./fusion.ts";
export { createRetriever, type RetrievalResult, type Retriever, type RetrieverOptions } from "./retriever.ts";
