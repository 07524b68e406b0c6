/** The pipeline's side of verified answers: what it needs of them, and which hits it serves. */
import type { VerifiedHit } from "../retrieve/verified-index.ts";

export type { VerifiedHit };

/** What the pipeline needs of the verified answers (VerifiedIndex). */
export interface VerifiedAnswers {
  /** Full-text only, synchronous: a question it serves never waits for the model. */
  matchLoaded(question: string): VerifiedHit | undefined;
  match(question: string): Promise<VerifiedHit | undefined>;
  recordServed(answerId: string, traceId: string): Promise<void>;
}

/** The hit when it is to be served as it is (not only given to the model as a passage). */
export function served(hit: VerifiedHit | undefined): VerifiedHit | undefined {
  return hit?.match.decision === "serve" ? hit : undefined;
}
