/**
 * npm run eval -- --corpus DIR --questions FILE.jsonl [--questions FILE2.jsonl] [--k 5] [--embed MODEL|none] [--rerank MODEL|none]
 * Ingests DIR into a temporary LanceDB and reports recall@1, recall@k and MRR: a question counts as
 * found at rank r when the r-th passage contains its `mustContain` phrase.
 * npm run eval -- verified: the verified-answer matcher's figures (see eval-verified.ts).
 * npm run eval -- answers --gold FILE …: whole answers through the pipeline (see eval-answers.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { loadConfig } from "../config.ts";
import {
  createAppLogger,
  createCorpusRetriever,
  createEmbedder,
  createReranker,
  ingestConfiguredCorpus,
  loadStaffGlossary,
  openCorpus,
} from "../deps.ts";
import { AppError } from "../errors.ts";
import { approximateTokenCount } from "../retrieve/context.ts";
import { type EvalQuestion, evaluateRetrieval, type RetrievalReport } from "../retrieve/evaluation.ts";
import { evaluateRefusals } from "../safety/calibration.ts";
import { parseCliArgs, readJsonLines, runMain } from "./args.ts";
import { runVerifiedEval } from "./eval-verified.ts";

const USAGE =
  "usage: npm run eval -- --corpus DIR --questions FILE.jsonl [--questions FILE2.jsonl] [--k 5] [--embed MODEL|none] [--rerank MODEL|none] [--offtopic FILE.jsonl] [--misses] [--json] [--budget TOKENS]";

async function readQuestions(path: string): Promise<EvalQuestion[]> {
  const questions = await readJsonLines<EvalQuestion>(path, "--questions", ["question", "mustContain"]);
  return questions.map(({ question, mustContain }) => ({ question, mustContain }));
}

/** Budget the prompt figures are reported at when RETRIEVAL_CONTEXT_TOKENS is 0 (off). */
const DEFAULT_EVAL_BUDGET = 1000;

/** One line per set: the figures the README's Retrieval quality table shows. */
function formatReport(
  mode: string,
  chunks: number,
  sets: ReadonlyArray<{ set: string } & Omit<RetrievalReport, "misses">>,
  k: number,
): string {
  const lines = [`mode ${mode}, ${chunks} chunks`];
  for (const set of sets)
    lines.push(
      `${set.set}: ${set.questions} questions  recall@1 ${set.recallAt1}  recall@${k} ${set.recallAtK}  ` +
        `MRR ${set.mrr}  avg passage ${set.averagePassageChars} chars  p95 ${set.p95Ms} ms` +
        (set.budget
          ? `\n  budget ${set.budget.budgetTokens} tokens: answer inside ${set.budget.recallInBudget}, ` +
            `median passage tokens ${set.budget.medianTokensBefore} -> ${set.budget.medianTokensAfter}, ` +
            `${set.budget.averagePassagesAfter} passages`
          : ""),
    );
  return `${lines.join("\n")}\n`;
}

async function retrievalMain(): Promise<number> {
  const { values } = parseCliArgs(
    process.argv.slice(2),
    {
      corpus: { type: "string" },
      questions: { type: "string", multiple: true },
      k: { type: "string" },
      embed: { type: "string" },
      rerank: { type: "string" },
      misses: { type: "boolean" },
      json: { type: "boolean" },
      budget: { type: "string" },
      offtopic: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.corpus || !values.questions?.length)
    throw new AppError(`--corpus and --questions are required\n${USAGE}`, "bad_request");
  const k = Number(values.k ?? 5);
  const dataDir = await mkdtemp(join(tmpdir(), "course-ta-eval-"));
  try {
    const env: Record<string, string | undefined> = {
      ...process.env,
      CORPUS_DIR: resolve(values.corpus),
      DATA_DIR: dataDir,
    };
    if (values.embed) env["EMBED_MODEL"] = values.embed;
    if (values.rerank) env["RERANK_MODEL"] = values.rerank;
    const config = loadConfig(env);
    const logger = createAppLogger(config);
    const corpus = await openCorpus(config);
    const embedder = await createEmbedder(config, logger);
    const summary = await ingestConfiguredCorpus(config, corpus, embedder);
    const reranker = await createReranker(config, logger);
    const glossary = await loadStaffGlossary(config);
    // Ranks are measured on the fused passages, without a budget.
    const retriever = createCorpusRetriever(
      { ...config, retrieval: { ...config.retrieval, contextTokens: 0 } },
      corpus,
      embedder,
      logger,
      { glossary, reranker },
    );
    const budgetTokens = Number(values.budget ?? (config.retrieval.contextTokens || DEFAULT_EVAL_BUDGET));
    if (!Number.isInteger(budgetTokens) || budgetTokens < 0)
      throw new AppError(`--budget must be a whole number of tokens, got ${values.budget}`, "bad_request");
    // No chat model is loaded here: tokens are estimated (approximateTokenCount). The figures come
    // from retrieval as the service runs with this budget (its first passage is capped too).
    const budget = {
      budgetTokens,
      countTokens: approximateTokenCount,
      ...(budgetTokens > 0 && {
        retriever: createCorpusRetriever(
          { ...config, retrieval: { ...config.retrieval, contextTokens: budgetTokens } },
          corpus,
          embedder,
          logger,
          { glossary, reranker },
        ),
      }),
    };
    const sets = await Promise.all(
      values.questions.map(async (path) => ({ path, questions: await readQuestions(path) })),
    );
    const questions = sets.flatMap((set) => set.questions);

    // One report per --questions file, so a gain on one set cannot hide a loss on another.
    const perSet: Array<{ set: string } & Omit<RetrievalReport, "misses">> = [];
    const misses: Array<RetrievalReport["misses"][number] & { set: string }> = [];
    for (const set of sets) {
      const { misses: setMisses, ...figures } = await evaluateRetrieval(retriever, set.questions, k, budget);
      perSet.push({ set: basename(set.path), ...figures });
      misses.push(...setMisses.map((miss) => ({ ...miss, set: basename(set.path) })));
    }
    const report = {
      mode: retriever.mode,
      reranker: reranker?.modelId ?? "none",
      chunks: await corpus.chunks.countChunks(),
      documents: summary.added.length,
      sets: perSet,
    };
    let refusals: Record<string, unknown> | undefined;
    if (values.offtopic) {
      const offTopic = (
        await readJsonLines<{ question: string }>(values.offtopic, "--offtopic", ["question"])
      ).map((item) => item.question);
      refusals = {
        ...(await evaluateRefusals(
          async (question) => (await retriever.retrieve(question)).relevance,
          { onTopic: questions.map((item) => item.question), offTopic },
          config.relevance,
        )),
        thresholds: config.relevance,
      };
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(refusals ? { ...report, refusals } : report, null, 2)}\n`);
    } else {
      process.stdout.write(formatReport(report.mode, report.chunks, perSet, k));
      if (refusals) process.stdout.write(`refusals: ${JSON.stringify(refusals)}\n`);
    }
    if (values.misses) {
      for (const miss of misses)
        process.stdout.write(
          `miss [${miss.set}]: ${miss.question}  [${miss.mustContain}]  terms: ${miss.queryTerms}\n`,
        );
    }
    return 0;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

// `npm run eval -- answers …` scores whole answers (cli/eval-answers.ts), `verified` the verified-answer
// matcher (cli/eval-verified.ts); otherwise retrieval.
if (process.argv[2] === "verified") {
  runMain(() => runVerifiedEval(process.argv.slice(3)));
} else if (process.argv[2] === "answers") {
  runMain(async () => (await import("./eval-answers.ts")).evalAnswersMain(process.argv.slice(3)));
} else {
  runMain(retrievalMain);
}
