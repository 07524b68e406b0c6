/** Composition root: turns a Config into the concrete store, embedder, retriever (and model). */
import type { Config } from "./config.ts";
import { type Embedder, loadEmbedder } from "./embed/index.ts";
import { type IngestSummary, ingestCorpus } from "./ingest/ingest.ts";
import { createLogger, type Logger } from "./log.ts";
import { createRetriever, type Retriever } from "./retrieve/index.ts";
import { ChunkStore, type Database, IngestLog, openDatabase } from "./store/index.ts";

export interface Corpus {
  database: Database;
  chunks: ChunkStore;
  log: IngestLog;
}

export function createAppLogger(config: Config): Logger {
  return createLogger({ level: config.logLevel, secrets: [config.adminToken] });
}

export async function openCorpus(config: Config): Promise<Corpus> {
  const database = await openDatabase(config.dataDir);
  return { database, chunks: await ChunkStore.open(database), log: await IngestLog.open(database) };
}

export async function createEmbedder(config: Config, logger: Logger): Promise<Embedder | null> {
  const embedder = await loadEmbedder({
    model: config.embedModel,
    modelsDir: config.modelsDir,
    onWarning: (message) => logger.warn(message),
  });
  if (!embedder && config.embedModel !== "none") logger.warn("continuing with full-text search only");
  return embedder;
}

export function createCorpusRetriever(config: Config, corpus: Corpus, embedder: Embedder | null, logger: Logger): Retriever {
  return createRetriever({
    chunks: corpus.chunks,
    embedder,
    topK: config.retrieval.topK,
    candidates: config.retrieval.candidates,
    onWarning: (message) => logger.warn(message),
  });
}

export async function ingestConfiguredCorpus(
  config: Config,
  corpus: Corpus,
  embedder: Embedder | null,
  onProgress?: (done: number, total: number) => void,
): Promise<IngestSummary> {
  return ingestCorpus({
    corpusDir: config.corpusDir,
    chunks: corpus.chunks,
    log: corpus.log,
    embedder,
    chunkOptions: { targetChars: config.chunk.targetChars, overlapChars: config.chunk.overlapChars },
    onProgress,
  });
}
