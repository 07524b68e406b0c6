/**
 * Which reply a message gets (pure): runChat and the safety measurements call this one function, so
 * what is measured is what students get. Two steps, because most fixed replies need no retrieval:
 * first from the message alone ("retrieve" when the passages decide), then with the passages' relevance.
 */
import { classifyMessage, decideRelevance } from "./rules.ts";

export type ReplyDecision =
  | "crisis"
  | "harmful"
  | "smalltalk"
  | "answer"
  | "refuse-off-topic"
  | "say-not-covered"
  | "support";

/** The decision from the message alone: a fixed reply, or "retrieve" when the passages decide. */
export type FirstDecision = "crisis" | "harmful" | "smalltalk" | "retrieve";

export interface RelevanceThresholds {
  offTopicBelow: number;
  notCoveredBelow: number;
}

/** The retrieval a decision waits for: the text searched (question plus any follow-up context) and its relevance. */
export interface RetrievalEvidence {
  searchText: string;
  relevance: number;
}

export function decideReply(message: string): FirstDecision;
export function decideReply(
  message: string,
  retrieval: RetrievalEvidence,
  thresholds: RelevanceThresholds,
): ReplyDecision;
export function decideReply(
  message: string,
  retrieval?: RetrievalEvidence,
  thresholds?: RelevanceThresholds,
): ReplyDecision | FirstDecision {
  const kind = classifyMessage(message);
  if (kind !== "question") return kind;
  if (!retrieval || !thresholds) return "retrieve";
  return decideRelevance(retrieval.searchText, retrieval.relevance, thresholds).fallback ?? "answer";
}
