/**
 * Measuring the verified-answer matcher (pure): of paraphrases written for each verified answer, how
 * many are served that answer; of other course questions, how many are wrongly served one.
 */
import type { Glossary } from "../text/glossary.ts";
import {
  createVerifiedMatcher,
  type VerifiedCandidate,
  type VerifiedMatchThresholds,
} from "./verified-match.ts";

export interface ParaphraseCase {
  verifiedId: string;
  question: string;
}

export interface VerifiedEvaluation {
  paraphrases: number;
  /** Paraphrases served their own verified answer. */
  served: number;
  /** Paraphrases served another verified answer. */
  servedWrong: number;
  /**
   * Paraphrases not served but near their own verified answer: the model gets it as the first
   * passage it may cite.
   */
  nearOwn: number;
  others: number;
  /** Other questions served some verified answer. */
  othersServed: number;
  servedRate: number;
  wrongRate: number;
  misses: { question: string; expected: string; got?: string; score?: number }[];
  falseServes: { question: string; got: string; score: number }[];
}

export function evaluateVerifiedMatching(
  answers: ReadonlyArray<VerifiedCandidate>,
  paraphrases: ReadonlyArray<ParaphraseCase>,
  others: ReadonlyArray<{ question: string }>,
  thresholds: VerifiedMatchThresholds,
  vectors?: { query(question: string): number[] | undefined },
  options: {
    answerTermWeight?: number;
    unknownTermWeight?: number;
    recallWeight?: number;
    glossary?: Glossary;
  } = {},
): VerifiedEvaluation {
  const matcher = createVerifiedMatcher(answers, thresholds, options);
  const best = (question: string) => matcher.match(question, vectors?.query(question));
  let served = 0;
  let servedWrong = 0;
  let nearOwn = 0;
  const misses: VerifiedEvaluation["misses"] = [];
  for (const paraphrase of paraphrases) {
    const match = best(paraphrase.question);
    if (match?.decision === "serve" && match.id === paraphrase.verifiedId) served++;
    else {
      if (match?.decision === "serve") servedWrong++;
      if (match?.decision === "near" && match.id === paraphrase.verifiedId) nearOwn++;
      misses.push({
        question: paraphrase.question,
        expected: paraphrase.verifiedId,
        got: match?.id,
        score: match?.score,
      });
    }
  }
  const falseServes: VerifiedEvaluation["falseServes"] = [];
  for (const other of others) {
    const match = best(other.question);
    if (match?.decision === "serve")
      falseServes.push({ question: other.question, got: match.id, score: match.score });
  }
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    paraphrases: paraphrases.length,
    served,
    servedWrong,
    nearOwn,
    others: others.length,
    othersServed: falseServes.length,
    servedRate: round(paraphrases.length ? served / paraphrases.length : 0),
    wrongRate: round(
      others.length ? (falseServes.length + servedWrong) / (others.length + paraphrases.length) : 0,
    ),
    misses,
    falseServes,
  };
}
