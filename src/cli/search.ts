/**
 * npm run search -- [--k N] [--json] "question"
 * npm run search -- [--k N] --queries FILE     (one question per line -> one JSON line each, in order)
 */
import { readFile } from "node:fs/promises";
import { loadConfig } from "../config.ts";
import {
  createAppLogger,
  createCorpusRetriever,
  createEmbedder,
  createReranker,
  loadStaffGlossary,
  openCorpus,
} from "../deps.ts";
import { AppError } from "../errors.ts";
import type { Passage } from "../types.ts";
import { parseCliArgs, runMain } from "./args.ts";

const USAGE = 'usage: npm run search -- [--k N] [--json] "question" | [--k N] --queries FILE';

export function passageToJson(passage: Passage) {
  return {
    rank: passage.rank,
    text: passage.chunk.text,
    source: passage.chunk.documentPath,
    title: passage.chunk.title,
    location: passage.chunk.location,
    link: passage.chunk.link,
    score: passage.score,
    retrievers: passage.retrievers,
  };
}

function formatPassage(passage: Passage): string {
  const found = passage.retrievers
    .map((hit) => `${hit.retriever} #${hit.rank} (${hit.score.toFixed(3)})`)
    .join(", ");
  const where = [passage.chunk.title, passage.chunk.location].filter(Boolean).join(" · ");
  const link = passage.chunk.link ? `\n    ${passage.chunk.link}` : "";
  return `[${passage.rank}] ${where} — ${passage.chunk.documentPath}\n    ${found}${link}\n    ${passage.chunk.text.replace(/\s*\n\s*/g, " ")}\n`;
}

runMain(async () => {
  const { values, positionals } = parseCliArgs(
    process.argv.slice(2),
    {
      k: { type: "string" },
      json: { type: "boolean" },
      queries: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  const k = values.k === undefined ? config.retrieval.topK : Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 100)
    throw new AppError(`--k must be an integer from 1 to 100, got ${values.k}`, "bad_request");
  const question = positionals.join(" ").trim();
  if (!values.queries && !question)
    throw new AppError(`give a question or --queries FILE\n${USAGE}`, "bad_request");

  let questions: string[] = [];
  if (values.queries) {
    try {
      questions = (await readFile(values.queries, "utf8"))
        .split(/\r?\n/)
        .filter((line) => line.trim() !== "");
    } catch (error) {
      throw new AppError(
        `--queries ${values.queries}: cannot read the file (${(error as Error).message})`,
        "bad_request",
      );
    }
  }

  const logger = createAppLogger(config);
  const corpus = await openCorpus(config);
  if ((await corpus.chunks.countChunks()) === 0)
    logger.warn(`the corpus in ${config.dataDir} is empty: run npm run ingest first`);
  const embedder = await createEmbedder(config, logger);
  const retriever = createCorpusRetriever(config, corpus, embedder, logger, {
    glossary: await loadStaffGlossary(config),
    reranker: await createReranker(config, logger),
  });

  if (values.queries) {
    for (const line of questions) {
      const result = await retriever.retrieve(line, { topK: k });
      process.stdout.write(`${JSON.stringify(result.passages.map(passageToJson))}\n`);
    }
    return 0;
  }
  const result = await retriever.retrieve(question, { topK: k });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result.passages.map(passageToJson), null, 2)}\n`);
  } else if (result.passages.length === 0) {
    process.stdout.write("no passages found\n");
  } else {
    process.stdout.write(result.passages.map(formatPassage).join("\n"));
  }
  return 0;
});
