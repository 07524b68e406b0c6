/**
 * npm run eval -- answers --gold FILE [--gold FILE] [--json] [--judge] [--compare RUN_ID]
 * Every gold question goes through the service's own pipeline (configured MODEL or LLM_BACKEND=openai,
 * CORPUS_DIR, DATA_DIR, prompts), is scored, and the run is stored for the admin Quality page.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { collectAnswer } from "../chat/index.ts";
import { loadConfig } from "../config.ts";
import { createAppLogger } from "../deps.ts";
import { AppError, errorMessage } from "../errors.ts";
import { compareRuns } from "../quality/compare.ts";
import { parseGoldFile } from "../quality/gold.ts";
import { createJudge, JUDGE_TEMPLATE_FILES, type Judge, maskUrl } from "../quality/judge.ts";
import { formatComparison, formatRunSummary } from "../quality/report.ts";
import { type AskedAnswer, evaluateAnswers } from "../quality/run-answers.ts";
import type { GoldQuestion } from "../quality/scoring.ts";
import { type EvalRun, EvalRunStore } from "../store/eval-runs.ts";
import { openDatabase } from "../store/index.ts";
import { openAnswerEvaluation } from "./answer-pipeline.ts";
import { parseCliArgs } from "./args.ts";
import { createProgressBar } from "./progress.ts";

const USAGE =
  "usage: npm run eval -- answers --gold FILE.jsonl [--gold FILE2.jsonl] [--json] [--judge] [--compare RUN_ID]";

async function readGold(paths: string[]): Promise<GoldQuestion[]> {
  const questions: GoldQuestion[] = [];
  for (const path of paths) {
    const text = await readFile(path, "utf8").catch((error) => {
      throw new AppError(`--gold ${path}: cannot read the file (${errorMessage(error)})`, "bad_request");
    });
    questions.push(...parseGoldFile(path, text));
  }
  return questions;
}

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(2).toString("hex")}`;
}

async function loadJudge(config: ReturnType<typeof loadConfig>): Promise<Judge> {
  const { baseUrl, model, apiKey } = config.judge;
  if (!baseUrl)
    throw new AppError("--judge needs JUDGE_BASE_URL (an OpenAI-compatible /v1 URL)", "bad_request");
  if (!/^https?:\/\//.test(baseUrl))
    throw new AppError(`JUDGE_BASE_URL must be an http(s) URL, got ${maskUrl(baseUrl)}`, "bad_request");
  const read = (name: string) =>
    readFile(join(config.promptsDir, name), "utf8").catch(() => {
      throw new AppError(`judge prompt ${join(config.promptsDir, name)} is missing`, "config_invalid");
    });
  return createJudge({
    baseUrl,
    model,
    apiKey,
    templates: {
      claims: await read(JUDGE_TEMPLATE_FILES.claims),
      verify: await read(JUDGE_TEMPLATE_FILES.verify),
      relevance: await read(JUDGE_TEMPLATE_FILES.relevance),
    },
  });
}

/** Returns the exit code: 0, or 1 when the judge failed (the other scores are still stored). */
export async function evalAnswersMain(argv: string[]): Promise<number> {
  const { values } = parseCliArgs(
    argv,
    {
      gold: { type: "string", multiple: true },
      json: { type: "boolean" },
      judge: { type: "boolean" },
      compare: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.gold?.length) throw new AppError(`--gold is required\n${USAGE}`, "bad_request");
  // Everything that can be wrong with the input is found before the first question runs.
  const gold = await readGold(values.gold);
  const config = loadConfig();
  const judge = values.judge ? await loadJudge(config) : undefined;
  let base: EvalRun | undefined;
  if (values.compare) {
    const runs = await EvalRunStore.open(await openDatabase(config.dataDir));
    base = await runs.get(values.compare);
    if (!base)
      throw new AppError(`--compare ${values.compare}: there is no stored run with that id`, "bad_request");
  }

  const logger = createAppLogger(config);
  const pipeline = await openAnswerEvaluation(config, logger, createProgressBar);
  try {
    if (pipeline.problem) logger.warn(`evaluating WITHOUT A MODEL: ${pipeline.problem}`);
    const bar = createProgressBar("answering");
    const ask = async (question: string): Promise<AskedAnswer> => {
      try {
        const prepared = pipeline.chat({
          message: question,
          platform: "eval",
          userId: "answer-eval",
          history: [],
        });
        const answer = await collectAnswer(prepared.events());
        return {
          text: answer.text,
          mode: answer.mode ?? "failed",
          traceId: answer.traceId ?? prepared.traceId,
          passages: answer.passages.map((passage) => ({
            documentPath: passage.chunk.documentPath,
            text: passage.chunk.text,
          })),
          error: answer.error ? `${answer.error.code}: ${answer.error.message}` : undefined,
        };
      } catch (error) {
        return { text: "", mode: "failed", traceId: "", passages: [], error: errorMessage(error) };
      }
    };
    const result = await evaluateAnswers({
      gold,
      ask,
      judge,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    const createdAt = new Date();
    const run: EvalRun = {
      id: newRunId(createdAt),
      createdAt: createdAt.toISOString(),
      model: pipeline.modelName,
      corpusVersion: pipeline.corpusVersion,
      promptHash: pipeline.promptHash,
      goldFiles: values.gold,
      summary: result.summary,
      judge: result.judge,
      rows: result.rows,
    };
    await pipeline.evalRuns.save(run);
    const comparison = base ? compareRuns(base, run) : undefined;
    if (values.json) {
      process.stdout.write(`${JSON.stringify(comparison ? { ...run, comparison } : run, null, 2)}\n`);
    } else {
      process.stdout.write(formatRunSummary(run));
      if (comparison) process.stdout.write(`\n${formatComparison(comparison)}`);
    }
    if (result.judge.status === "failed") {
      process.stderr.write(`error: ${result.judge.error} (the other scores were kept in run ${run.id})\n`);
      return 1;
    }
    return 0;
  } finally {
    await pipeline.close();
  }
}
