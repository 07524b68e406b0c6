import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { createAppLogger, createEmbedder, loadStaffGlossary } from "../deps.ts";
import { evaluateVerifiedMatching, type VerifiedEvaluation } from "../retrieve/verified-evaluation.ts";
import { parseCliArgs, readJsonLines } from "./args.ts";

const USAGE =
  "usage: npm run eval -- verified [--dir test/fixtures/verified] [--embed MODEL|none] [--misses] [--json]";

function line(half: string, report: VerifiedEvaluation): string {
  const percent = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
  return (
    `${half}: paraphrases served their answer ${report.served}/${report.paraphrases} (${percent(report.served, report.paraphrases)}), ` +
    `served another answer ${report.servedWrong}, given to the model as a passage ${report.nearOwn}; ` +
    `other questions wrongly served ${report.othersServed}/${report.others} ` +
    `(${percent(report.othersServed, report.others)})`
  );
}

export async function runVerifiedEval(argv: string[]): Promise<number> {
  const { values } = parseCliArgs(
    argv,
    {
      dir: { type: "string" },
      embed: { type: "string" },
      misses: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dir = values.dir ?? "test/fixtures/verified";
  const config = loadConfig({ ...process.env, ...(values.embed ? { EMBED_MODEL: values.embed } : {}) });
  const embedder = await createEmbedder(config, createAppLogger(config));
  type Answer = { id: string; question: string; answer: string };
  const answers = await readJsonLines<Answer>(join(dir, "verified-answers.jsonl"), "--dir", [
    "id",
    "question",
    "answer",
  ]);
  const withVectors = embedder
    ? (await embedder.embedQueries(answers.map((answer) => answer.question))).map((vector, index) => ({
        ...answers[index]!,
        vector,
      }))
    : answers;
  // The staff glossary joins synonyms in the service too (none unless GLOSSARY_FILE or <CORPUS_DIR>/glossary.yaml).
  const glossary = await loadStaffGlossary(config);
  const reports: Record<string, VerifiedEvaluation> = {};
  for (const half of ["calibration", "heldout"]) {
    const paraphrases = await readJsonLines<{ verifiedId: string; question: string }>(
      join(dir, `paraphrases-${half}.jsonl`),
      "--dir",
      ["verifiedId", "question"],
    );
    const others = await readJsonLines<{ question: string }>(join(dir, `others-${half}.jsonl`), "--dir", [
      "question",
    ]);
    const vectors = new Map<string, number[]>();
    if (embedder) {
      const questions = [...paraphrases, ...others].map((item) => item.question);
      const embedded = await embedder.embedQueries(questions);
      for (const [index, question] of questions.entries()) vectors.set(question, embedded[index]!);
    }
    reports[half] = evaluateVerifiedMatching(
      withVectors,
      paraphrases,
      others,
      config.verified,
      { query: (question) => vectors.get(question) },
      { glossary },
    );
  }
  const mode = embedder ? `full-text + embeddings (${embedder.modelId})` : "full-text only";
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ mode, thresholds: config.verified, ...reports }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `verified answers: ${answers.length}, ${mode}, thresholds ${JSON.stringify(config.verified)}\n`,
  );
  for (const [half, report] of Object.entries(reports)) {
    process.stdout.write(`${line(half, report)}\n`);
    if (!values.misses) continue;
    for (const miss of report.misses)
      process.stdout.write(
        `  miss ${miss.expected} (got ${miss.got ?? "-"} ${miss.score?.toFixed(2) ?? ""}): ${miss.question}\n`,
      );
    for (const wrong of report.falseServes)
      process.stdout.write(`  wrongly served ${wrong.got} (${wrong.score.toFixed(2)}): ${wrong.question}\n`);
  }
  return 0;
}
