/** Two evaluation runs side by side: the questions whose scores changed. Pure. */
import type { EvalRun, EvalRunFigures, EvalRunRow } from "../store/eval-runs.ts";

/** The per-question scores compared, with the label shown for each. */
export const COMPARED_SCORES = [
  ["sourcesHit", "sources hit"],
  ["factRecall", "fact recall"],
  ["citationValidity", "citations"],
  ["refusalCorrect", "refusal"],
  ["faithfulness", "faithfulness"],
  ["answerRelevance", "relevance"],
] as const satisfies ReadonlyArray<readonly [keyof EvalRunRow, string]>;

export const SUMMARY_FIGURES = [
  ["sourcesHit", "sources hit"],
  ["factRecall", "fact recall"],
  ["citationValidity", "citation validity"],
  ["refusalCorrectness", "refusal correctness"],
  ["faithfulness", "faithfulness"],
  ["answerRelevance", "answer relevance"],
] as const satisfies ReadonlyArray<readonly [keyof EvalRunFigures, string]>;

export type ScoreValue = number | boolean | null;

export interface ScoreChange {
  score: string;
  before: ScoreValue;
  after: ScoreValue;
}

export interface QuestionChange {
  question: string;
  before: EvalRunRow;
  after: EvalRunRow;
  changes: ScoreChange[];
  /** +1 when every change is for the better, −1 when every one is worse, 0 when mixed. */
  direction: -1 | 0 | 1;
}

export interface RunComparison {
  base: string;
  next: string;
  changed: QuestionChange[];
  /** Questions in only one of the runs. */
  onlyInBase: string[];
  onlyInNext: string[];
  figures: { figure: string; before: number | null; after: number | null }[];
}

const asNumber = (value: ScoreValue): number | null =>
  value === null || value === undefined ? null : typeof value === "boolean" ? +value : value;

export function compareRuns(base: EvalRun, next: EvalRun): RunComparison {
  const before = new Map(base.rows.map((row) => [row.question, row]));
  const after = new Map(next.rows.map((row) => [row.question, row]));
  const changed: QuestionChange[] = [];
  // A run without a (working) judge has no judge scores: that is not a change in the answers.
  const judged = base.judge.status === "ok" && next.judge.status === "ok";
  const scores = COMPARED_SCORES.filter(
    ([key]) => judged || (key !== "faithfulness" && key !== "answerRelevance"),
  );
  for (const [question, row] of after) {
    const old = before.get(question);
    if (!old) continue;
    const changes: ScoreChange[] = [];
    let better = 0;
    let worse = 0;
    for (const [key, label] of scores) {
      const a = old[key] as ScoreValue;
      const b = row[key] as ScoreValue;
      if (asNumber(a) === asNumber(b)) continue;
      changes.push({ score: label, before: a, after: b });
      const delta = (asNumber(b) ?? 0) - (asNumber(a) ?? 0);
      if (delta > 0) better++;
      if (delta < 0) worse++;
    }
    if (changes.length > 0)
      changed.push({
        question,
        before: old,
        after: row,
        changes,
        direction: worse === 0 && better > 0 ? 1 : better === 0 && worse > 0 ? -1 : 0,
      });
  }
  return {
    base: base.id,
    next: next.id,
    changed,
    onlyInBase: [...before.keys()].filter((question) => !after.has(question)),
    onlyInNext: [...after.keys()].filter((question) => !before.has(question)),
    figures: SUMMARY_FIGURES.map(([key, label]) => ({
      figure: label,
      before: base.summary[key],
      after: next.summary[key],
    })),
  };
}
