/** Shared data shapes. This file imports nothing. */

export type DocumentFormat = "md" | "txt" | "srt" | "vtt" | "pdf" | "pptx" | "docx" | "ipynb" | "html";

/** A piece of a loaded document with its human location (heading path, page, or mm:ss). */
export interface TextBlock {
  text: string;
  /** Heading path ("第一週 > 評分"), page ("p. 3"), or transcript time ("12:34"). */
  location: string;
  /** Start time in seconds, for transcript cues. */
  startSeconds?: number;
  /** Slide number (pptx): a chunk that joins slides is located by their range, 「第 3–4 張投影片」. */
  slide?: number;
  /** Id of the block's heading in its page (html), for a `#fragment` link. */
  anchor?: string;
}

/** A parsed document, before chunking. */
export interface LoadedDocument {
  /** Path relative to the corpus folder, with forward slashes. */
  path: string;
  title: string;
  format: DocumentFormat;
  /** Video or page URL from front matter, if any. */
  url?: string;
  lecture?: string;
  blocks: TextBlock[];
}

/** A chunk as produced by the pure chunker. */
export interface ChunkDraft {
  text: string;
  location: string;
  startSeconds?: number;
  /** The `#fragment` of the chunk's first heading, when its page gives the heading an id. */
  anchor?: string;
  /** 0-based position of the chunk within its document. */
  position: number;
}

/** A stored chunk. */
export interface Chunk {
  id: string;
  documentPath: string;
  title: string;
  location: string;
  /** Link to the source, for transcripts starting at the chunk's time; "" when none. */
  link: string;
  text: string;
  position: number;
  contentHash: string;
}

/**
 * fulltext: character-bigram terms; words: word-segmented terms; vector: embeddings; reranker: the
 * optional cross-encoder stage that reorders the fused list (see retrieve/rerank-stage.ts).
 */
export type RetrieverName = "vector" | "fulltext" | "words" | "reranker";

export interface RetrieverHit {
  retriever: RetrieverName;
  /** 1-based rank within that retriever's list. */
  rank: number;
  score: number;
}

/** A retrieved passage after fusion. */
export interface Passage {
  /** 1-based fused rank. */
  rank: number;
  chunk: Chunk;
  /** Fused score (reciprocal rank fusion). */
  score: number;
  retrievers: RetrieverHit[];
}

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface SamplingOptions {
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  repeatPenalty: number;
  seed?: number;
  maxTokens: number;
}

/** "verified": a verified answer staff wrote was served as it is (no model). */
export type ChatMode =
  | "answer"
  | "retrieval-only"
  | "crisis"
  | "refusal"
  | "smalltalk"
  | "not-covered"
  | "verified";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /**
   * Leading prompt tokens the model already held from an earlier request (not evaluated again);
   * `promptTokens - reusedPromptTokens` were evaluated. Absent on older traces and answers that
   * never reached the model: read it as 0.
   */
  reusedPromptTokens?: number;
}

export interface Timings {
  retrievalMs: number;
  firstTokenMs: number;
  totalMs: number;
  tokensPerSecond: number;
}

/** "eval": questions asked by `npm run eval -- answers` (kept out of the dashboard's figures). */
export type Platform = "http" | "openai" | "discord" | "line" | "cli" | "eval";

export interface TracePassage {
  rank: number;
  score: number;
  chunkId: string;
  documentPath: string;
  title: string;
  location: string;
  link: string;
  text: string;
  retrievers: RetrieverHit[];
}

export interface Trace {
  id: string;
  createdAt: string;
  conversationId: string;
  platform: Platform;
  userId: string;
  question: string;
  answer: string;
  passages: TracePassage[];
  /** The exact text the model saw, special tokens included (or the messages sent, for a remote backend). */
  prompt: string;
  sampling: SamplingOptions;
  model: string;
  usage: Usage;
  timings: Timings;
  status: "ok" | "failed" | "running";
  error?: { code: string; message: string };
  mode: ChatMode;
  feedback?: "up" | "down";
}

export interface ConversationTurn {
  conversationId: string;
  turn: number;
  role: "user" | "assistant";
  content: string;
  createdAt: string;
  traceId: string;
}
