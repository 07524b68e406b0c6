/** Two runs compared question by question: what changed, which way, and judge scores only when both were judged. */
import { expect, it } from "vitest";
import { compareRuns } from "../../src/quality/compare.ts";
import type { EvalRun, EvalRunRow } from "../../src/store/eval-runs.ts";

function row(question: string, changes: Partial<EvalRunRow> = {}): EvalRunRow {
  return {
    question,
    traceId: `trace-${question}`,
    mode: "answer",
    answer: "",
    refuse: false,
    sourcesHit: true,
    factRecall: 1,
    missingFacts: [],
    citationValidity: 1,
    invalidCitations: [],
    unsupportedSentences: [],
    declined: false,
    refusalCorrect: true,
    faithfulness: 0.5,
    answerRelevance: 1,
    ...changes,
  };
}

function run(id: string, rows: EvalRunRow[], judged: boolean): EvalRun {
  return {
    id,
    createdAt: "2026-03-01T00:00:00.000Z",
    model: "m",
    corpusVersion: 1,
    promptHash: "p",
    goldFiles: [],
    summary: {
      questions: rows.length,
      sourcesHit: 1,
      factRecall: 1,
      citationValidity: 1,
      refusalCorrectness: 1,
      faithfulness: null,
      answerRelevance: null,
    },
    judge: judged ? { status: "ok", model: "j" } : { status: "off" },
    rows,
  };
}

it("lists changed questions with their direction, and questions in one run only", () => {
  const base = run("a", [row("same"), row("worse"), row("mixed", { factRecall: 0 }), row("gone")], true);
  const next = run(
    "b",
    [
      row("same"),
      row("worse", { refusalCorrect: false, sourcesHit: false }),
      row("mixed", { factRecall: 1, citationValidity: 0 }),
      row("new"),
    ],
    true,
  );
  const comparison = compareRuns(base, next);
  expect(comparison.changed.map((change) => [change.question, change.direction])).toEqual([
    ["worse", -1],
    ["mixed", 0],
  ]);
  expect(comparison.changed[0]!.changes).toEqual([
    { score: "sources hit", before: true, after: false },
    { score: "refusal", before: true, after: false },
  ]);
  expect(comparison.onlyInBase).toEqual(["gone"]);
  expect(comparison.onlyInNext).toEqual(["new"]);
});

it("does not count judge scores as changed when a run was not judged", () => {
  const judged = run("a", [row("q")], true);
  const unjudged = run("b", [row("q", { faithfulness: null, answerRelevance: null })], false);
  expect(compareRuns(judged, unjudged).changed).toEqual([]);
  const judgedAgain = run("c", [row("q", { faithfulness: 1 })], true);
  expect(compareRuns(judged, judgedAgain).changed[0]!.changes).toEqual([
    { score: "faithfulness", before: 0.5, after: 1 },
  ]);
});
