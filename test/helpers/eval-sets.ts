/** The team's evaluation question sets and a full-text-only retriever over a folder, for quality tests. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChunkOptions } from "../../src/ingest/chunker.ts";
import { type IngestSummary, ingestCorpus } from "../../src/ingest/ingest.ts";
import { createRetriever, type Retriever } from "../../src/retrieve/index.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";

export function readEvalSet<T = { question: string; mustContain: string }>(name: string): T[] {
  return readFileSync(resolve("test/fixtures/eval", name), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

/** Ingests `corpusDir` into a real LanceDB at `<root>/data`, without embeddings. */
export async function ingestFulltext(
  corpusDir: string,
  root: string,
  chunkOptions?: Partial<ChunkOptions>,
): Promise<{ chunks: ChunkStore; summary: IngestSummary }> {
  const database = await openDatabase(join(root, "data"));
  const chunks = await ChunkStore.open(database);
  const log = await IngestLog.open(database);
  const summary = await ingestCorpus({ corpusDir, chunks, log, embedder: null, chunkOptions });
  return { chunks, summary };
}

/** Ingests `corpusDir` into `<root>/data` without embeddings (the mode the floors are set for). */
export async function fulltextRetrieverOver(corpusDir: string, root: string): Promise<Retriever> {
  const { chunks } = await ingestFulltext(corpusDir, root, {
    targetChars: 450,
    maxChars: 630,
    overlapChars: 60,
  });
  // The production default passage caps (RETRIEVAL_PASSAGE_CHARS, RETRIEVAL_FIRST_PASSAGE_CHARS).
  return createRetriever({ chunks, embedder: null, passageChars: 500, firstPassageChars: 1000 });
}
