/**
 * Corpus changes from the admin page: upload, delete, re-ingest, rollback, each one ingest run and so
 * one new corpus version. Changes run one at a time, and each keeps the folder and the database in
 * step: when one fails, both stay as they were and the error says so. Ingest, rollback and retrieval come in as
 * functions from deps.ts (admin/ does not import ingest/, retrieve/ or embed/).
 */
import { rm } from "node:fs/promises";
import { AppError, errorCode, errorMessage } from "../errors.ts";
import type { ChunkStore, DocumentSummary, IngestLog, IngestRecord } from "../store/index.ts";
import type { Chunk, Passage, RetrieverName } from "../types.ts";
import {
  CorpusArchive,
  readIfExists,
  resolveDocumentFile,
  resolveInCorpus,
  uploadPath,
  writeFileAtomically,
} from "./corpus-files.ts";
import { FolderSwap, planFolderRollback } from "./corpus-rollback.ts";

/** What an ingest run reports (ingest's IngestSummary has this shape). */
export interface IngestOutcome {
  added: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
  failed: { path: string; reason: string }[];
  /** Web pages removed for good, with why. */
  gone?: { path: string; reason: string }[];
  chunksWritten: number;
  version: number;
}

/** A web source as the corpus page lists it (ingest's SourceStatus has this shape). */
export interface SourceView {
  url: string;
  title?: string;
  every: string;
  everyMs: number;
  lastFetch: string;
  status: string;
  error?: string;
  pages: number;
  nextSync: string;
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
  /** An incremental ingest of the corpus folder and the web sources (`all`, or only the `due` ones). */
  ingest(sourceMode?: "all" | "due"): Promise<IngestOutcome>;
  /** The web sources (CORPUS_SOURCES), when configured. */
  sources?: {
    status(): Promise<SourceView[]>;
    add(addition: { url: string; title?: string; every?: string }): Promise<{ url: string }>;
  };
  /** Restores chunk-table `version`; returns the new version. */
  rollback(version: number): Promise<number>;
  retrieve(question: string): Promise<RetrievalView>;
  /**
   * Set on a replica that does not ingest (INGEST_ON_START=false): the reason changes are refused.
   * Its CORPUS_DIR is not the corpus, so an upload or re-ingest there would replace the shared corpus
   * with that folder. Default: changes allowed.
   */
  changesRefused?: string;
}

export interface CorpusChange {
  action: "upload" | "delete" | "reingest" | "rollback" | "sync" | "add-source";
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
  /** undefined when CORPUS_SOURCES is not set. */
  sources(): Promise<SourceView[] | undefined>;
  /** Checks the web sources (`all`: every one, now) and ingests what changed, as one corpus change. */
  syncSources(mode: "all" | "due"): Promise<CorpusChange>;
  addSource(addition: { url: string; title?: string; every?: string }): Promise<CorpusChange>;
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
  return [
    ...outcome.failed.map((failure) => `${failure.path} was skipped: ${failure.reason}`),
    ...(outcome.gone ?? []).map((page) => `${page.path} was removed: ${page.reason}`),
  ];
}

/** What a step that ran an ingest tells the page when the ingest threw after the store took the change. */
function lateFailure(error: unknown): string {
  return `the corpus was changed, but the ingest failed afterwards: ${errorMessage(error)}`;
}

export function createCorpusAdmin(options: CorpusAdminOptions): CorpusAdmin {
  const extensions = options.supportedExtensions;
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const archive = new CorpusArchive(options.archiveDir);
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * One change at a time; each starts by archiving the folder so any version can be put back.
   * `present`: path -> content hash of the documents in the folder.
   */
  function exclusive<T>(work: (present: Map<string, string>) => Promise<T>): Promise<T> {
    if (options.changesRefused) return Promise.reject(new AppError(options.changesRefused, "bad_request"));
    const run = queue.then(async () => work(await archive.snapshot(options.corpusDir, extensions)));
    queue = run.catch(() => undefined);
    return run;
  }

  /** The content hash the database holds for `path`; undefined when it is not a document there. */
  async function storedHash(path: string): Promise<string | undefined> {
    return (await options.chunks.listDocuments()).find((doc) => doc.documentPath === path)?.contentHash;
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
      resolveInCorpus(options.corpusDir, path, extensions);
      return exclusive(async () => {
        const absolute = await resolveDocumentFile(options.corpusDir, path, extensions);
        const previous = await readIfExists(absolute);
        const putBack = () =>
          previous ? writeFileAtomically(absolute, previous) : rm(absolute, { force: true });
        const storedBefore = await storedHash(path);
        await archive.store(file.content);
        await writeFileAtomically(absolute, file.content);
        let outcome: IngestOutcome;
        try {
          outcome = await options.ingest();
        } catch (error) {
          // Folder and database stay in step: the file stays only if the database took it.
          if ((await storedHash(path).catch(() => storedBefore)) === storedBefore) {
            await putBack();
            throw new AppError(
              `${path} was not ${previous ? "replaced" : "added"}: the ingest failed (${errorMessage(error)}). ` +
                "The corpus folder and the searchable corpus are as they were.",
              "ingest_failed",
              error,
            );
          }
          const version = await options.chunks.version();
          return {
            action: "upload",
            path,
            version,
            summary: `${previous ? "updated" : "added"} ${path} → version ${version}`,
            warnings: [lateFailure(error)],
          };
        }
        const failure = outcome.failed.find((entry) => entry.path === path);
        if (failure) {
          // A file that cannot be read must not stay in the folder (the previous version keeps serving).
          await putBack();
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
      resolveInCorpus(options.corpusDir, path, extensions);
      return exclusive(async () => {
        const absolute = await resolveDocumentFile(options.corpusDir, path, extensions);
        const onDisk = await readIfExists(absolute);
        const storedBefore = await storedHash(path);
        if (!onDisk && storedBefore === undefined)
          throw new AppError(`there is no document ${path}`, "not_found");
        await rm(absolute, { force: true });
        let outcome: IngestOutcome;
        try {
          outcome = await options.ingest();
        } catch (error) {
          // Still in the database: the file goes back, so folder and database keep agreeing.
          if ((await storedHash(path).catch(() => storedBefore)) !== undefined) {
            if (onDisk) await writeFileAtomically(absolute, onDisk);
            throw new AppError(
              `${path} was not deleted: the ingest failed (${errorMessage(error)}). ` +
                (onDisk
                  ? "The file was put back; the document is still in the corpus and searchable."
                  : "The document is still searchable (its file was already missing from the folder)."),
              "ingest_failed",
              error,
            );
          }
          const version = await options.chunks.version();
          return {
            action: "delete",
            path,
            version,
            summary: `deleted ${path} → version ${version}`,
            warnings: [lateFailure(error)],
          };
        }
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
      return exclusive(async (present) => {
        // All or nothing: plan and stage the folder, swap it, then restore the database; if that
        // fails, the swap is undone. The folder goes first: a crash between the two steps leaves it
        // at the restored version, which the next ingest then applies (no database undo needed).
        const target = await options.chunks.documentsAt(version);
        const before = await options.chunks.version();
        const plan = await planFolderRollback({
          corpusDir: options.corpusDir,
          extensions,
          archive,
          present,
          current: await options.chunks.listDocuments(),
          target,
        });
        if (plan.blocked.length > 0) {
          throw new AppError(
            `rollback to version ${version} cannot put the corpus folder back: ${plan.blocked.join("; ")}. ` +
              "Nothing was changed: fix the folder and try again.",
            "bad_request",
          );
        }
        const swap = await FolderSwap.stage(options.corpusDir, plan.steps).catch((error: unknown) => {
          throw new AppError(
            `rollback to version ${version} failed while staging its files: ${errorMessage(error)}. Nothing was changed.`,
            "ingest_failed",
            error,
          );
        });
        try {
          await swap.apply();
        } catch (error) {
          const stuck = await swap.undo();
          throw new AppError(
            `rollback to version ${version} failed while changing the corpus folder: ${errorMessage(error)}. ` +
              (stuck ?? "Nothing was changed: the folder and the searchable corpus are as they were."),
            "ingest_failed",
            error,
          );
        }
        let restored: number;
        try {
          restored = await options.rollback(version);
        } catch (error) {
          if ((await options.chunks.version().catch(() => before)) === before) {
            const stuck = await swap.undo();
            throw new AppError(
              `rollback to version ${version} failed: ${errorMessage(error)}. ` +
                (stuck ?? "Nothing was changed: the folder and the searchable corpus are as they were."),
              errorCode(error) === "not_found" ? "not_found" : "ingest_failed",
              error,
            );
          }
          // The restore itself was committed; only what follows it (indexes, the log) failed.
          await swap.finish();
          const now = await options.chunks.version();
          return {
            action: "rollback",
            version: now,
            summary: `rolled back to version ${version} → version ${now}`,
            warnings: [
              ...plan.warnings,
              `the restore was saved, but finishing it failed (the history may not list it): ${errorMessage(error)}`,
            ],
          };
        }
        await swap.finish();
        return {
          action: "rollback",
          version: restored,
          summary: `rolled back to version ${version} → version ${restored}`,
          warnings: plan.warnings,
        };
      });
    },

    async retrieve(question) {
      if (question.trim() === "") throw new AppError("type a question to search for", "bad_request");
      return options.retrieve(question.trim());
    },

    async sources() {
      return options.sources?.status();
    },

    syncSources(mode) {
      if (!options.sources) throw new AppError("no web sources: set CORPUS_SOURCES", "not_found");
      return exclusive(async () => {
        const outcome = await options.ingest(mode);
        return {
          action: "sync",
          version: outcome.version,
          summary: `synced the web sources: ${describe(outcome)} → version ${outcome.version}`,
          warnings: failureWarnings(outcome),
        };
      });
    },

    async addSource(addition) {
      const sources = options.sources;
      if (!sources) throw new AppError("no web sources: set CORPUS_SOURCES", "not_found");
      const added = await exclusive(() => sources.add(addition));
      // The new source is due at once: fetch it now, so the page shows its result.
      const synced = await this.syncSources("due");
      return { ...synced, action: "add-source", summary: `added ${added.url}; ${synced.summary}` };
    },
  };
}
