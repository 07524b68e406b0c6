/**
 * Corpus folder -> chunks in LanceDB, incrementally: unchanged documents (same content hash) are
 * skipped, changed ones replaced, deleted ones removed, all in one atomic commit.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { listCorpusDocuments } from "../corpus-rules.ts";
import type { Embedder } from "../embed/index.ts";
import { AppError, errorMessage } from "../errors.ts";
import type { ChunkStore, IngestLog, StoredChunk } from "../store/index.ts";
import { indexTerms } from "../text/terms.ts";
import { indexWords } from "../text/words.ts";
import type { ChunkDraft, LoadedDocument } from "../types.ts";
import { type ChunkOptions, chunkDocument } from "./chunker.ts";
import { linkAtTime, linkToHeading } from "./links.ts";
import { loadDocument, SUPPORTED_EXTENSIONS } from "./loaders/index.ts";
import type { SourceSync } from "./sources/sync.ts";

/** Bump when chunking or term analysis changes in a way that needs every document re-ingested. */
const PIPELINE_REVISION = "terms-v5+words+header";

export interface IngestOptions {
  corpusDir: string;
  chunks: ChunkStore;
  log: IngestLog;
  embedder: Embedder | null;
  /**
   * The embedding model that was asked for but could not be loaded (offline, say). Then a corpus
   * that has vectors is left as it is rather than rebuilt without them.
   */
  unavailableEmbedModel?: string;
  chunkOptions?: Partial<ChunkOptions>;
  /** The web sources (CORPUS_SOURCES), ingested in the same commit as the folder. */
  sources?: SourceSync;
  /** Which sources to check: `all` (npm run ingest, "sync now") or `due` (the default). */
  sourceMode?: "all" | "due";
  /** Called as passages are embedded: (done, total). */
  onProgress?: (done: number, total: number) => void;
  now?: () => Date;
}

export interface IngestFailure {
  path: string;
  reason: string;
}

export interface IngestSummary {
  added: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
  failed: IngestFailure[];
  /** Web pages removed for good (404 several times in a row, gone from their sitemap), with why. */
  gone?: IngestFailure[];
  chunksWritten: number;
  /** Chunk-table version after this ingest (unchanged when nothing changed). */
  version: number;
  rebuilt: boolean;
  durationMs: number;
}

export function contentHash(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Identifies how chunks were made; a different pipeline means every document is re-ingested. */
export function pipelineKey(embedder: Embedder | null, chunkOptions: Partial<ChunkOptions>): string {
  const chunking = `${chunkOptions.targetChars ?? "default"}/${chunkOptions.overlapChars ?? "default"}`;
  return `${embedder ? embedder.modelId : "none"}|chunks=${chunking}|${PIPELINE_REVISION}`;
}

function chunkId(documentPath: string, hash: string, position: number, pipeline: string): string {
  return createHash("sha256")
    .update(`${documentPath}\0${hash}\0${position}\0${pipeline}`)
    .digest("hex")
    .slice(0, 32);
}

/**
 * Where a passage sits when its document gives no heading, page or time (a transcript saved as one
 * line of text): 「第 3/24 段（約 8% 處）」, enough to find it in the file or the recording.
 * Not indexed: it says nothing about the content.
 */
export function positionLabel(position: number, total: number): string {
  if (total <= 1) return "";
  return `第 ${position + 1}/${total} 段（約 ${Math.round((position / total) * 100)}% 處）`;
}

/**
 * What every chunk of a document is indexed with besides its own text: the document title, the
 * lecture and the section heading. 「第三講」 or 「Chat template」 then finds a passage of that
 * lecture even when the passage itself never says so. A bare lecture number (front matter
 * `lecture: 3`) is spelled both ways, 「第 3 講」 and "Lecture 3".
 */
export function contextualHeader(title: string, lecture: string | undefined, location: string): string {
  const label = lecture?.trim() ?? "";
  const lectureLabel = /^\d{1,2}$/.test(label) ? `第 ${label} 講 Lecture ${label}` : label;
  return [title, lectureLabel, location].filter((part) => part.trim() !== "").join("\n");
}

/** Both lexical views of a chunk: its header and text as bigram terms and as words. */
function searchFields(header: string, text: string): { terms: string; words: string } {
  const indexed = `${header}\n${text}`;
  return { terms: indexTerms(indexed), words: indexWords(indexed) };
}

function toStoredChunks(
  document: LoadedDocument,
  drafts: ChunkDraft[],
  hash: string,
  pipeline: string,
  ingestedAt: string,
): StoredChunk[] {
  return drafts.map((draft) => ({
    id: chunkId(document.path, hash, draft.position, pipeline),
    documentPath: document.path,
    title: document.title,
    location: draft.location || positionLabel(draft.position, drafts.length),
    link: draft.anchor
      ? linkToHeading(document.url, draft.anchor)
      : linkAtTime(document.url, draft.startSeconds),
    text: draft.text,
    // The lecture (front matter `lecture`, `講次`, `時間`) is searchable: 「第 3 講」, 「1/21 那堂課」.
    ...searchFields(contextualHeader(document.title, document.lecture, draft.location), draft.text),
    position: draft.position,
    contentHash: hash,
    ingestedAt,
  }));
}

async function embedChunks(
  embedder: Embedder,
  chunks: StoredChunk[],
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const batchSize = 32;
  onProgress?.(0, chunks.length);
  for (let start = 0; start < chunks.length; start += batchSize) {
    const batch = chunks.slice(start, start + batchSize);
    const vectors = await embedder.embedPassages(batch.map((chunk) => `${chunk.title}\n${chunk.text}`));
    batch.forEach((chunk, index) => {
      chunk.vector = vectors[index];
    });
    onProgress?.(Math.min(start + batchSize, chunks.length), chunks.length);
  }
}

export async function ingestCorpus(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const chunkOptions = options.chunkOptions ?? {};
  const pipeline = pipelineKey(options.embedder, chunkOptions);
  const dimension = options.embedder?.dimension ?? 0;
  const previous = await options.log.latest();
  const storedDimension = await options.chunks.vectorDimension();
  const hasCorpus = (await options.chunks.countChunks()) > 0 || previous !== undefined;
  const rebuild = hasCorpus && (previous?.embedModel !== pipeline || storedDimension !== dimension);
  if (rebuild && options.unavailableEmbedModel && storedDimension > 0) {
    throw new AppError(
      `the embedding model ${options.unavailableEmbedModel} could not be loaded, and the corpus has ` +
        `${storedDimension}-dimensional vectors from ${previous?.embedModel.split("|")[0] ?? "an earlier model"}: ` +
        "nothing was changed. Make the model loadable (network, EMBED_MODEL pointing at a local folder), " +
        "or set EMBED_MODEL=none to rebuild the corpus without vectors on purpose.",
      "model_unavailable",
    );
  }

  const files = await listCorpusDocuments(options.corpusDir, SUPPORTED_EXTENSIONS);
  const storedDocuments = new Map(
    (await options.chunks.listDocuments()).map((document) => [document.documentPath, document]),
  );
  const summary: IngestSummary = {
    added: [],
    updated: [],
    unchanged: [],
    removed: [],
    failed: [],
    chunksWritten: 0,
    // Unchanged: the version `npm run ingest -- --versions` lists last (index upkeep bumps the table's own).
    version: previous?.version ?? (await options.chunks.version()),
    rebuilt: rebuild,
    durationMs: 0,
  };

  const ingestedAt = now().toISOString();
  const newChunks: StoredChunk[] = [];
  const replacedPaths: string[] = [];
  for (const file of files) {
    const stored = storedDocuments.get(file.path);
    try {
      const content = await readFile(file.absolutePath);
      const metadata = await readSidecar(file.absolutePath);
      const hash = contentHash(metadata ? Buffer.concat([content, Buffer.from(metadata.raw)]) : content);
      if (stored && stored.contentHash === hash && !rebuild) {
        summary.unchanged.push(file.path);
        continue;
      }
      const document = applySidecar(await loadDocument(file.path, content), metadata?.values);
      const drafts = chunkDocument(document, chunkOptions);
      if (drafts.length === 0) {
        // Nothing to search: say so (every run) rather than report an empty document as added.
        throw new Error(
          "no text found in the document (a scanned PDF needs OCR, an empty file needs content)",
        );
      }
      newChunks.push(...toStoredChunks(document, drafts, hash, pipeline, ingestedAt));
      (stored ? summary.updated : summary.added).push(file.path);
      if (stored) replacedPaths.push(file.path);
    } catch (error) {
      // The previous chunks of a broken document stay: a bad upload must not erase good material.
      summary.failed.push({ path: file.path, reason: errorMessage(error) });
      if (rebuild && stored) newChunks.push(...(await carryOver(options.chunks, file.path, pipeline)));
    }
  }
  const presentPaths = new Set(files.map((file) => file.path));
  const sourceBatch = options.sources
    ? await options.sources.collect(
        options.sourceMode ?? "due",
        new Set([...storedDocuments.keys()].filter(isWebPath)),
        rebuild,
      )
    : undefined;
  for (const page of sourceBatch?.fetched ?? []) {
    presentPaths.add(page.path);
    const stored = storedDocuments.get(page.path);
    if (stored && stored.contentHash === page.hash && !rebuild) {
      summary.unchanged.push(page.path);
      continue;
    }
    const drafts = chunkDocument(page.document, chunkOptions);
    if (drafts.length === 0) {
      summary.failed.push({ path: page.path, reason: "no text found in the page" });
      if (rebuild && stored) newChunks.push(...(await carryOver(options.chunks, page.path, pipeline)));
      continue;
    }
    newChunks.push(...toStoredChunks(page.document, drafts, page.hash, pipeline, ingestedAt));
    (stored ? summary.updated : summary.added).push(page.path);
    if (stored) replacedPaths.push(page.path);
  }
  for (const failure of sourceBatch?.failed ?? []) summary.failed.push(failure);
  for (const path of sourceBatch?.kept ?? []) {
    if (!storedDocuments.has(path) || presentPaths.has(path)) continue;
    presentPaths.add(path);
    if (rebuild) newChunks.push(...(await carryOver(options.chunks, path, pipeline)));
    else summary.unchanged.push(path);
  }
  for (const path of storedDocuments.keys()) {
    if (!presentPaths.has(path)) {
      summary.removed.push(path);
      replacedPaths.push(path);
    }
  }
  summary.gone = sourceBatch?.gone.filter((page) => storedDocuments.has(page.path)) ?? [];

  const changed = newChunks.length > 0 || replacedPaths.length > 0 || rebuild;
  if (changed || !hasCorpus) {
    if (options.embedder) await embedChunks(options.embedder, newChunks, options.onProgress);
    await options.chunks.applyChanges({ chunks: newChunks, replacedPaths, dimension, rebuild });
    summary.version = await options.chunks.version();
    summary.chunksWritten = newChunks.length;
    await options.log.record({
      version: summary.version,
      at: ingestedAt,
      kind: "ingest",
      added: summary.added.length,
      updated: summary.updated.length,
      unchanged: summary.unchanged.length,
      removed: summary.removed.length,
      failed: summary.failed.length,
      embedModel: pipeline,
      note: summary.failed.map((failure) => failure.path).join(", "),
    });
  }
  // Source state follows the commit: a crash before this only means the next sync asks again.
  if (sourceBatch) await options.sources?.commit(sourceBatch);
  await options.chunks.ensureIndexes({ optimize: changed });
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

/** A web source's page (its document path is its URL), as opposed to a file in the corpus folder. */
export function isWebPath(path: string): boolean {
  return /^https?:\/\//i.test(path);
}

/** During a rebuild, a document that fails to parse keeps its old text (re-termed, without vectors). */
async function carryOver(chunks: ChunkStore, path: string, pipeline: string): Promise<StoredChunk[]> {
  const ingestedAt = new Date().toISOString();
  return (await chunks.chunksOf(path)).map((chunk) => ({
    ...chunk,
    id: chunkId(chunk.documentPath, chunk.contentHash, chunk.position, pipeline),
    ...searchFields(contextualHeader(chunk.title, undefined, chunk.location), chunk.text),
    ingestedAt,
  }));
}

/**
 * Optional `<name>.meta.json` beside a document ({"title", "url", "lecture"}): how a transcript
 * (.srt/.vtt/.txt, which have no front matter) gets a title and a video URL for timed links.
 */
async function readSidecar(
  absolutePath: string,
): Promise<{ raw: string; values: Partial<Pick<LoadedDocument, "title" | "url" | "lecture">> } | undefined> {
  const path = `${absolutePath.slice(0, absolutePath.length - extname(absolutePath).length)}.meta.json`;
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new AppError(`${path} is not valid JSON: ${errorMessage(error)}`, "parse_failed");
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const text = (key: string) =>
    typeof record[key] === "string" && record[key] ? String(record[key]) : undefined;
  return { raw, values: { title: text("title"), url: text("url"), lecture: text("lecture") } };
}

function applySidecar(
  document: LoadedDocument,
  values: Partial<Pick<LoadedDocument, "title" | "url" | "lecture">> | undefined,
): LoadedDocument {
  if (!values) return document;
  return {
    ...document,
    title: values.title ?? document.title,
    url: values.url ?? document.url,
    lecture: values.lecture ?? document.lecture,
  };
}

/** Restores the corpus to an earlier version and records it in the ingest log. */
export async function rollbackCorpus(
  chunks: ChunkStore,
  log: IngestLog,
  version: number,
  now: () => Date = () => new Date(),
): Promise<number> {
  const history = await log.list();
  const target = [...history].reverse().find((entry) => entry.version === version);
  await chunks.rollback(version);
  await chunks.ensureIndexes({ optimize: true });
  const restoredVersion = await chunks.version();
  await log.record({
    version: restoredVersion,
    at: now().toISOString(),
    kind: "rollback",
    added: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
    embedModel: target?.embedModel ?? history.at(-1)?.embedModel ?? "",
    note: `restored version ${version}`,
  });
  return restoredVersion;
}
