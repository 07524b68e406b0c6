/**
 * Runs every gold question through the answering pipeline (injected as `ask`) and scores it. The
 * judge, when given, adds faithfulness and relevance; if it fails, its part of the run fails with
 * the reason and every other score is kept.
 */
import { errorMessage } from "../errors.ts";
import type { EvalRunFigures, EvalRunRow } from "../store/eval-runs.ts";
import type { Judge } from "./judge.ts";
import { type GoldQuestion, type ScoredAnswer, scoreAnswer, summarizeScores } from "./scoring.ts";

export interface AskedAnswer extends ScoredAnswer {
  traceId: string;
  /** The pipeline's error, when the question could not be answered. */
  error?: string;
}

export interface AnswerEvaluationOptions {
  gold: readonly GoldQuestion[];
  ask(question: string): Promise<AskedAnswer>;
  judge?: Judge;
  onProgress?(done: number, total: number): void;
}

export interface AnswerEvaluation {
  rows: EvalRunRow[];
  summary: EvalRunFigures;
  judge: { status: "off" | "ok" | "failed"; model?: string; error?: string };
}

export async function evaluateAnswers(options: AnswerEvaluationOptions): Promise<AnswerEvaluation> {
  const rows: EvalRunRow[] = [];
  const judgeState: AnswerEvaluation["judge"] = options.judge
    ? { status: "ok", model: options.judge.model }
    : { status: "off" };
  options.onProgress?.(0, options.gold.length);
  for (const [index, gold] of options.gold.entries()) {
    const answer = await options.ask(gold.question);
    const scores = scoreAnswer(gold, answer);
    const row: EvalRunRow = {
      question: gold.question,
      traceId: answer.traceId,
      mode: answer.mode,
      answer: answer.text,
      refuse: gold.refuse === true,
      sourcesHit: scores.sourcesHit,
      factRecall: scores.factRecall,
      missingFacts: scores.missingFacts,
      citationValidity: scores.citations.score,
      invalidCitations: scores.citations.invalidNumbers,
      unsupportedSentences: scores.citations.unsupported,
      declined: scores.declined,
      refusalCorrect: scores.refusalCorrect,
      faithfulness: null,
      answerRelevance: null,
    };
    if (answer.error) row.error = answer.error;
    // Only answers from the material are judged; a judge that failed once is not asked again.
    if (
      options.judge &&
      judgeState.status === "ok" &&
      !scores.declined &&
      !answer.error &&
      answer.text.trim()
    ) {
      try {
        const verdict = await options.judge.judge({
          question: gold.question,
          answer: answer.text,
          passages: answer.passages.map((passage) => passage.text),
        });
        row.faithfulness = verdict.faithfulness;
        row.answerRelevance = verdict.answerRelevance;
      } catch (error) {
        judgeState.status = "failed";
        judgeState.error = errorMessage(error);
      }
    }
    rows.push(row);
    options.onProgress?.(index + 1, options.gold.length);
  }
  const summary = summarizeScores(
    rows.map((row) => ({
      scores: {
        sourcesHit: row.sourcesHit,
        factRecall: row.factRecall,
        missingFacts: row.missingFacts,
        citations: { cited: [], invalidNumbers: [], unsupported: [], score: row.citationValidity },
        declined: row.declined,
        refusalCorrect: row.refusalCorrect,
      },
      // A failed judge leaves its figures empty rather than averaging the questions it reached.
      judge: judgeState.status === "ok" ? row : null,
    })),
  );
  return { rows, summary, judge: judgeState };
}
