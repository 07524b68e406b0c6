/**
 * Corpus changes from the admin page: upload, delete, re-ingest, rollback, each one ingest run and so
 * one new corpus version. Changes run one at a time. Ingest, rollback and retrieval come in as
 * functions from deps.ts (admin/ does not import ingest/, retrieve/ or embed/).
 */
import { rm } from "node:fs/promises";
import { AppError } from "../errors.ts";
import type { ChunkStore, DocumentSummary, IngestLog, IngestRecord } from "../store/index.ts";
import type { Chunk, Passage, RetrieverName } from "../types.ts";
import {
  CorpusArchive,
  readIfExists,
  resolveInCorpus,
  uploadPath,
  writeFileAtomically,
} from "./corpus-files.ts";

/** What an ingest run reports (ingest's IngestSummary has this shape). */
export interface IngestOutcome {
  added: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
  failed: { path: string; reason: string }[];
  chunksWritten: number;
  version: number;
}

/** What a retrieval run reports (retrieve's RetrievalResult has this shape). */
export interface RetrievalView {
  passages: Passage[];
  rankings: { retriever: RetrieverName; hits: ReadonlyArray<{ chunk: Chunk; score: number }> }[];
  queryTerms: string;
  retrievalMs: number;
}

export interface CorpusAdminOptions {
  corpusDir: string;
  /** Folder for archived file versions (see defaultArchiveDir). */
  archiveDir: string;
  chunks: ChunkStore;
  log: IngestLog;
  /** Extensions ingestion reads, lower-case with the dot. */
  supportedExtensions: readonly string[];
  /** Largest upload in bytes. Default 5 MB. */
  maxUploadBytes?: number;
  /** An incremental ingest of the corpus folder. */
  ingest(): Promise<IngestOutcome>;
  /** Restores chunk-table `version`; returns the new version. */
  rollback(version: number): Promise<number>;
  retrieve(question: string): Promise<RetrievalView>;
}

export interface CorpusChange {
  action: "upload" | "delete" | "reingest" | "rollback";
  /** The document uploaded or deleted. */
  path?: string;
  version: number;
  /** One line for the page, e.g. "added lectures/w3.md (4 chunks) → version 12". */
  summary: string;
  warnings: string[];
}

export interface CorpusAdmin {
  readonly maxUploadBytes: number;
  readonly supportedExtensions: readonly string[];
  documents(): Promise<DocumentSummary[]>;
  chunksOf(path: string): Promise<Chunk[]>;
  /** Ingest log, newest first, with whether each version can still be restored. */
  history(): Promise<(IngestRecord & { restorable: boolean })[]>;
  upload(file: { name: string; folder: string; content: Uint8Array }): Promise<CorpusChange>;
  remove(path: string): Promise<CorpusChange>;
  reingest(): Promise<CorpusChange>;
  rollback(version: number): Promise<CorpusChange>;
  retrieve(question: string): Promise<RetrievalView>;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

function describe(outcome: IngestOutcome): string {
  const parts = [
    ["added", outcome.added.length],
    ["updated", outcome.updated.length],
    ["removed", outcome.removed.length],
    ["failed", outcome.failed.length],
  ]
    .filter(([, count]) => count !== 0)
    .map(([label, count]) => `${count} ${label}`);
  return parts.length === 0
    ? "nothing changed"
    : `${parts.join(", ")}, ${outcome.chunksWritten} chunks written`;
}

function failureWarnings(outcome: IngestOutcome): string[] {
  return outcome.failed.map((failure) => `${failure.path} was skipped: ${failure.reason}`);
}

export function createCorpusAdmin(options: CorpusAdminOptions): CorpusAdmin {
  const extensions = options.supportedExtensions;
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const archive = new CorpusArchive(options.archiveDir);
  let queue: Promise<unknown> = Promise.resolve();

  /** One change at a time; each starts by archiving the folder so any version can be put back. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(async () => {
      await archive.snapshot(options.corpusDir, extensions);
      return work();
    });
    queue = run.catch(() => undefined);
    return run;
  }

  /** Makes the folder hold exactly the documents of the restored version (from the archive). */
  async function syncFolderToStore(): Promise<string[]> {
    const warnings: string[] = [];
    const wanted = new Map(
      (await options.chunks.listDocuments()).map((doc) => [doc.documentPath, doc.contentHash]),
    );
    const present = await archive.snapshot(options.corpusDir, extensions);
    for (const [path, hash] of present) {
      if (!wanted.has(path)) await rm(resolveInCorpus(options.corpusDir, path, extensions), { force: true });
      else if (wanted.get(path) === hash) wanted.delete(path);
    }
    for (const [path, hash] of wanted) {
      const content = await archive.read(hash);
      if (content) await writeFileAtomically(resolveInCorpus(options.corpusDir, path, extensions), content);
      else
        warnings.push(
          `${path}: this version's file is not in the archive; the folder keeps the current file`,
        );
    }
    return warnings;
  }

  return {
    maxUploadBytes,
    supportedExtensions: extensions,
    documents: () => options.chunks.listDocuments(),
    chunksOf: (path) => options.chunks.chunksOf(path),
    async history() {
      const restorable = new Set(await options.chunks.tableVersions());
      const records = await options.log.list();
      return records.reverse().map((record) => ({ ...record, restorable: restorable.has(record.version) }));
    },

    async upload(file) {
      const path = uploadPath(file.name, file.folder, extensions);
      if (file.content.byteLength > maxUploadBytes) {
        throw new AppError(
          `${path} is ${file.content.byteLength} bytes; the limit is ${maxUploadBytes}`,
          "payload_too_large",
        );
      }
      if (file.content.byteLength === 0) throw new AppError(`${path} is empty`, "bad_request");
      const absolute = resolveInCorpus(options.corpusDir, path, extensions);
      return exclusive(async () => {
        const previous = await readIfExists(absolute);
        await writeFileAtomically(absolute, file.content);
        await archive.store(file.content);
        const outcome = await options.ingest();
        const failure = outcome.failed.find((entry) => entry.path === path);
        if (failure) {
          // A file that cannot be read must not stay in the folder (the previous version keeps serving).
          if (previous) await writeFileAtomically(absolute, previous);
          else await rm(absolute, { force: true });
          throw new AppError(`${path} could not be ingested: ${failure.reason}`, "parse_failed");
        }
        const verb = outcome.unchanged.includes(path) ? "unchanged" : previous ? "updated" : "added";
        return {
          action: "upload",
          path,
          version: outcome.version,
          summary: `${verb} ${path}: ${describe(outcome)} → version ${outcome.version}`,
          warnings: failureWarnings(outcome),
        };
      });
    },

    async remove(path) {
      const absolute = resolveInCorpus(options.corpusDir, path, extensions);
      return exclusive(async () => {
        const onDisk = await readIfExists(absolute);
        const stored = (await options.chunks.listDocuments()).some((doc) => doc.documentPath === path);
        if (!onDisk && !stored) throw new AppError(`there is no document ${path}`, "not_found");
        await rm(absolute, { force: true });
        const outcome = await options.ingest();
        return {
          action: "delete",
          path,
          version: outcome.version,
          summary: `deleted ${path}: ${describe(outcome)} → version ${outcome.version}`,
          warnings: failureWarnings(outcome),
        };
      });
    },

    reingest() {
      return exclusive(async () => {
        const outcome = await options.ingest();
        return {
          action: "reingest",
          version: outcome.version,
          summary: `re-ingested the corpus folder: ${describe(outcome)} → version ${outcome.version}`,
          warnings: failureWarnings(outcome),
        };
      });
    },

    async rollback(version) {
      if (!Number.isInteger(version) || version < 1)
        throw new AppError("version must be a positive integer", "bad_request");
      return exclusive(async () => {
        const restored = await options.rollback(version);
        const warnings = await syncFolderToStore();
        return {
          action: "rollback",
          version: restored,
          summary: `rolled back to version ${version} → version ${restored}`,
          warnings,
        };
      });
    },

    async retrieve(question) {
      if (question.trim() === "") throw new AppError("type a question to search for", "bad_request");
      return options.retrieve(question.trim());
    },
  };
}
