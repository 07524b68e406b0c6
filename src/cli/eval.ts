/**
 * npm run eval -- --corpus DIR --questions FILE.jsonl [--questions FILE2.jsonl] [--k 5] [--embed MODEL|none]
 * Ingests DIR into a temporary LanceDB and reports recall@1, recall@k and MRR: a question counts as
 * found at rank r when the r-th passage contains its `mustContain` phrase.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../config.ts";
import { createAppLogger, createCorpusRetriever, createEmbedder, ingestConfiguredCorpus, openCorpus } from "../deps.ts";
import { AppError } from "../errors.ts";
import { parseCliArgs, runMain } from "./args.ts";

const USAGE = "usage: npm run eval -- --corpus DIR --questions FILE.jsonl [--k 5] [--embed MODEL|none] [--misses]";

interface EvalQuestion {
  question: string;
  mustContain: string;
}

async function readQuestions(path: string): Promise<EvalQuestion[]> {
  const text = await readFile(path, "utf8").catch(() => {
    throw new AppError(`--questions ${path}: cannot read the file`, "bad_request");
  });
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .map((line, index) => {
      const parsed = JSON.parse(line) as Partial<EvalQuestion>;
      if (!parsed.question || !parsed.mustContain) {
        throw new AppError(`${path}:${index + 1}: needs "question" and "mustContain"`, "bad_request");
      }
      return { question: parsed.question, mustContain: parsed.mustContain };
    });
}

const compact = (text: string) => text.replace(/\s+/g, "");

runMain(async () => {
  const { values } = parseCliArgs(
    process.argv.slice(2),
    {
      corpus: { type: "string" },
      questions: { type: "string", multiple: true },
      k: { type: "string" },
      embed: { type: "string" },
      misses: { type: "boolean" },
    },
    USAGE,
  );
  if (!values.corpus || !values.questions?.length) throw new AppError(`--corpus and --questions are required\n${USAGE}`, "bad_request");
  const k = Number(values.k ?? 5);
  const dataDir = await mkdtemp(join(tmpdir(), "course-ta-eval-"));
  try {
    const env: Record<string, string | undefined> = { ...process.env, CORPUS_DIR: resolve(values.corpus), DATA_DIR: dataDir };
    if (values.embed) env["EMBED_MODEL"] = values.embed;
    const config = loadConfig(env);
    const logger = createAppLogger(config);
    const corpus = await openCorpus(config);
    const embedder = await createEmbedder(config, logger);
    const summary = await ingestConfiguredCorpus(config, corpus, embedder);
    const retriever = createCorpusRetriever(config, corpus, embedder, logger);
    const questions = (await Promise.all(values.questions.map(readQuestions))).flat();

    let hitsAt1 = 0;
    let hitsAtK = 0;
    let reciprocalRankSum = 0;
    let passageChars = 0;
    let passageCount = 0;
    const latencies: number[] = [];
    const misses: string[] = [];
    for (const item of questions) {
      const result = await retriever.retrieve(item.question, { topK: k });
      latencies.push(result.retrievalMs);
      const rank = result.passages.findIndex((passage) => compact(passage.chunk.text).includes(compact(item.mustContain))) + 1;
      for (const passage of result.passages) {
        passageChars += [...passage.chunk.text].length;
        passageCount++;
      }
      if (rank === 1) hitsAt1++;
      if (rank >= 1) {
        hitsAtK++;
        reciprocalRankSum += 1 / rank;
      } else {
        misses.push(`${item.question}  [${item.mustContain}]  terms: ${result.queryTerms}`);
      }
    }
    latencies.sort((a, b) => a - b);
    const report = {
      questions: questions.length,
      mode: retriever.mode,
      chunks: await corpus.chunks.countChunks(),
      documents: summary.added.length,
      [`recall@1`]: round(hitsAt1 / questions.length),
      [`recall@${k}`]: round(hitsAtK / questions.length),
      mrr: round(reciprocalRankSum / questions.length),
      averagePassageChars: Math.round(passageChars / Math.max(1, passageCount)),
      p50Ms: round(latencies[Math.floor(latencies.length * 0.5)] ?? 0),
      p95Ms: round(latencies[Math.floor(latencies.length * 0.95)] ?? 0),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (values.misses) for (const miss of misses) process.stdout.write(`miss: ${miss}\n`);
    return 0;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
