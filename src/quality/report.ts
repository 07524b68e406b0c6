/** Terminal output of an answer evaluation: the summary table and a comparison. Pure. */
import type { EvalRun } from "../store/eval-runs.ts";
import { type RunComparison, type ScoreValue, SUMMARY_FIGURES } from "./compare.ts";

export function formatFigure(value: ScoreValue | undefined): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return value.toFixed(3);
}

export function formatRunSummary(run: EvalRun): string {
  const lines = [
    `run ${run.id}  model ${run.model}  corpus version ${run.corpusVersion}  prompts ${run.promptHash}`,
    `${run.summary.questions} questions from ${run.goldFiles.join(", ")}`,
    "",
    "| figure | value |",
    "|---|---|",
    ...SUMMARY_FIGURES.map(([key, label]) => `| ${label} | ${formatFigure(run.summary[key])} |`),
  ];
  if (run.judge.status === "off") lines.push("", "faithfulness and relevance: run with --judge");
  if (run.judge.status === "failed") lines.push("", `JUDGE FAILED: ${run.judge.error}`);
  const wrongRefusals = run.rows.filter((row) => !row.refusalCorrect);
  if (wrongRefusals.length > 0) {
    lines.push("", "wrong refusals:");
    for (const row of wrongRefusals)
      lines.push(
        `  ${row.refuse ? "should decline" : "should answer "}  ${row.question}  (trace ${row.traceId})`,
      );
  }
  return `${lines.join("\n")}\n`;
}

export function formatComparison(comparison: RunComparison): string {
  const lines = [`compared with run ${comparison.base}:`];
  for (const figure of comparison.figures)
    lines.push(`  ${figure.figure}: ${formatFigure(figure.before)} -> ${formatFigure(figure.after)}`);
  if (comparison.changed.length === 0) lines.push("no question's scores changed");
  for (const change of comparison.changed) {
    const mark = change.direction > 0 ? "better" : change.direction < 0 ? "WORSE " : "mixed ";
    const detail = change.changes
      .map((item) => `${item.score} ${formatFigure(item.before)} -> ${formatFigure(item.after)}`)
      .join(", ");
    lines.push(`  ${mark} ${change.question}: ${detail}`);
  }
  for (const question of comparison.onlyInBase) lines.push(`  only in ${comparison.base}: ${question}`);
  for (const question of comparison.onlyInNext) lines.push(`  new: ${question}`);
  return `${lines.join("\n")}\n`;
}
