/**
 * The corpus table. Every ingest is one atomic LanceDB commit (a merge-insert that inserts the new
 * chunks and deletes the replaced ones together), so a process killed half way leaves the previous
 * version fully searchable. Indexes are refreshed afterwards; unindexed rows stay searchable.
 */
import * as lancedb from "@lancedb/lancedb";
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from "apache-arrow";
import { AppError, errorMessage } from "../errors.ts";
import type { Chunk } from "../types.ts";
import { type Database, openTableIfExists, sqlString, storeCall, type Table } from "./database.ts";

const CHUNKS_TABLE = "chunks";
const FULL_TEXT_COLUMN = "terms";
/** The word-level view (ICU word segmentation, see text/words.ts): one full-text index per column. */
const WORDS_COLUMN = "words";
const DOCUMENT_PATH_COLUMN = "documentPath";
/** Below this many rows a brute-force vector scan is faster than training an index. */
const VECTOR_INDEX_MIN_ROWS = 5000;
/** Old versions stay restorable this long. */
const VERSION_RETENTION_DAYS = 90;

export interface StoredChunk extends Chunk {
  /** Space-separated search terms (see text/terms.ts). */
  terms: string;
  /** Space-separated words (see text/words.ts). */
  words: string;
  ingestedAt: string;
  vector?: number[];
}

export interface DocumentSummary {
  documentPath: string;
  title: string;
  contentHash: string;
  chunkCount: number;
  ingestedAt: string;
}

export interface ChunkHit {
  chunk: Chunk;
  score: number;
}

function chunkSchema(dimension: number): Schema {
  const fields: Field[] = [
    new Field("id", new Utf8(), false),
    new Field("documentPath", new Utf8(), false),
    new Field("title", new Utf8(), false),
    new Field("location", new Utf8(), false),
    new Field("link", new Utf8(), false),
    new Field("text", new Utf8(), false),
    new Field(FULL_TEXT_COLUMN, new Utf8(), false),
    new Field(WORDS_COLUMN, new Utf8(), false),
    new Field("position", new Int32(), false),
    new Field("contentHash", new Utf8(), false),
    new Field("ingestedAt", new Utf8(), false),
  ];
  if (dimension > 0) {
    fields.push(
      new Field("vector", new FixedSizeList(dimension, new Field("item", new Float32(), true)), true),
    );
  }
  return new Schema(fields);
}

function toChunk(row: Record<string, unknown>): Chunk {
  return {
    id: String(row["id"]),
    documentPath: String(row["documentPath"]),
    title: String(row["title"]),
    location: String(row["location"]),
    link: String(row["link"]),
    text: String(row["text"]),
    position: Number(row["position"]),
    contentHash: String(row["contentHash"]),
  };
}

const CHUNK_COLUMNS = ["id", "documentPath", "title", "location", "link", "text", "position", "contentHash"];
const DOCUMENT_COLUMNS = ["documentPath", "title", "contentHash", "ingestedAt"];

function summarizeDocuments(rows: Record<string, unknown>[]): DocumentSummary[] {
  const byPath = new Map<string, DocumentSummary>();
  for (const row of rows) {
    const path = String(row["documentPath"]);
    const summary = byPath.get(path);
    if (summary) summary.chunkCount++;
    else
      byPath.set(path, {
        documentPath: path,
        title: String(row["title"]),
        contentHash: String(row["contentHash"]),
        chunkCount: 1,
        ingestedAt: String(row["ingestedAt"]),
      });
  }
  return [...byPath.values()].sort((a, b) => a.documentPath.localeCompare(b.documentPath));
}

export class ChunkStore {
  private constructor(
    private readonly database: Database,
    private table: Table | undefined,
  ) {}

  private missingCheckedAt = Date.now();

  static async open(database: Database): Promise<ChunkStore> {
    return new ChunkStore(database, await openTableIfExists(database, CHUNKS_TABLE));
  }

  /**
   * The chunk table. While it does not exist, looked up again at most once a second: another
   * process (`npm run ingest`, the ingesting replica) may create it. Once open, the connection's
   * read-consistency interval brings in that process's later commits.
   */
  private async current(): Promise<Table | undefined> {
    if (this.table || Date.now() - this.missingCheckedAt < 1000) return this.table;
    this.missingCheckedAt = Date.now();
    this.table ??= await storeCall("opening the corpus", () =>
      openTableIfExists(this.database, CHUNKS_TABLE),
    );
    return this.table;
  }

  /** Vector dimension of the stored corpus, 0 when it was ingested without embeddings. */
  async vectorDimension(): Promise<number> {
    const table = await this.current();
    if (!table) return 0;
    const schema = await storeCall("reading the corpus", () => table.schema());
    const field = schema.fields.find((candidate) => candidate.name === "vector");
    return field ? (field.type as FixedSizeList).listSize : 0;
  }

  async countChunks(): Promise<number> {
    const table = await this.current();
    return table ? storeCall("counting the corpus", () => table.countRows()) : 0;
  }

  /**
   * Reads one row (or learns there is no corpus yet): throws store_unavailable when the store is
   * away or has not answered within `timeoutMs`.
   */
  async probe(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new AppError(`the data store did not answer within ${timeoutMs} ms`, "store_unavailable")),
        timeoutMs,
      );
    });
    const read = (async () => {
      const table = await this.current();
      if (table) await storeCall("checking the store", () => table.query().select(["id"]).limit(1).toArray());
    })();
    try {
      await Promise.race([read, timedOut]);
    } finally {
      clearTimeout(timer);
      read.catch(() => {});
    }
  }

  async version(): Promise<number> {
    const table = await this.current();
    return table ? storeCall("reading the corpus version", () => table.version()) : 0;
  }

  /** One entry per document: the content hash decides whether it needs re-ingesting. */
  async listDocuments(): Promise<DocumentSummary[]> {
    const table = await this.current();
    if (!table) return [];
    return summarizeDocuments(await table.query().select(DOCUMENT_COLUMNS).toArray());
  }

  /**
   * The documents of an earlier `version`, read through a handle of its own so that readers of the
   * latest version are not disturbed. Throws "not_found" for a version that does not exist.
   */
  async documentsAt(version: number): Promise<DocumentSummary[]> {
    await this.requireVersion(version);
    const table = await this.database.openTable(CHUNKS_TABLE);
    try {
      await table.checkout(version);
      return summarizeDocuments(await table.query().select(DOCUMENT_COLUMNS).toArray());
    } finally {
      table.close();
    }
  }

  /** Every chunk's text (for mining the course glossary); [] without a corpus. */
  async allTexts(): Promise<string[]> {
    const table = await this.current();
    if (!table) return [];
    const rows = await storeCall("reading the corpus", () => table.query().select(["text"]).toArray());
    return rows.map((row) => String(row.text));
  }

  /**
   * The chunks within `reach` positions of each given one, in its own document (the given ones
   * included), in one query: what a retrieved passage is widened with.
   */
  async chunksNear(
    chunks: ReadonlyArray<Pick<Chunk, "documentPath" | "position">>,
    reach: number,
  ): Promise<Chunk[]> {
    const table = await this.current();
    if (!table || chunks.length === 0) return [];
    const wanted = new Set<string>();
    const positions = new Set<number>();
    for (const chunk of chunks)
      for (let offset = -reach; offset <= reach; offset++) {
        wanted.add(`${chunk.documentPath}\0${chunk.position + offset}`);
        positions.add(chunk.position + offset);
      }
    // Two IN lists (a superset, narrowed below) use the documentPath index; OR-ed pairs do not.
    const paths = [...new Set(chunks.map((chunk) => chunk.documentPath))];
    const rows = await storeCall("reading the corpus", () =>
      table
        .query()
        .where(
          `documentPath IN (${paths.map(sqlString).join(", ")}) AND position IN (${[...positions].join(", ")})`,
        )
        .select(CHUNK_COLUMNS)
        .toArray(),
    );
    return rows.map(toChunk).filter((chunk) => wanted.has(`${chunk.documentPath}\0${chunk.position}`));
  }

  async chunksOf(documentPath: string): Promise<Chunk[]> {
    const table = await this.current();
    if (!table) return [];
    const rows = await table
      .query()
      .where(`documentPath = ${sqlString(documentPath)}`)
      .select(CHUNK_COLUMNS)
      .toArray();
    return rows.map(toChunk).sort((a, b) => a.position - b.position);
  }

  /**
   * Replaces the chunks of `replacedPaths` (changed or deleted documents) with `chunks`, in one
   * atomic commit. With `rebuild`, the whole table is rewritten (used when the embedding model
   * changed), also atomically.
   */
  async applyChanges(change: {
    chunks: StoredChunk[];
    replacedPaths: string[];
    dimension: number;
    rebuild: boolean;
  }): Promise<void> {
    const rows = change.chunks.map(({ vector, ...chunk }) =>
      change.dimension > 0 ? { ...chunk, vector } : chunk,
    );
    const schema = chunkSchema(change.dimension);
    try {
      if (!this.table || change.rebuild) {
        // One call, one commit: a crash leaves either the old table or the new one.
        const mode = this.table ? "overwrite" : "create";
        this.table =
          rows.length > 0
            ? await this.database.createTable(CHUNKS_TABLE, lancedb.makeArrowTable(rows, { schema }), {
                mode,
              })
            : await this.database.createEmptyTable(CHUNKS_TABLE, schema, { mode });
      } else if (rows.length > 0 || change.replacedPaths.length > 0) {
        const deleteWhere =
          change.replacedPaths.length > 0
            ? `documentPath IN (${change.replacedPaths.map(sqlString).join(", ")})`
            : "false";
        if (rows.length === 0) {
          await this.table.delete(deleteWhere);
        } else {
          await this.table
            .mergeInsert("id")
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .whenNotMatchedBySourceDelete({ where: deleteWhere })
            .execute(lancedb.makeArrowTable(rows, { schema }));
        }
      }
    } catch (error) {
      throw new AppError(`writing chunks failed: ${errorMessage(error)}`, "store_failed", error);
    }
  }

  /** Creates missing indexes and folds new rows into existing ones. Safe to call at every start. */
  async ensureIndexes(options: { optimize: boolean } = { optimize: true }): Promise<void> {
    await this.current();
    if (!this.table) return;
    const existing = new Set((await this.table.listIndices()).map((index) => index.columns.join(",")));
    const columns = new Set((await this.table.schema()).fields.map((field) => field.name));
    for (const column of [FULL_TEXT_COLUMN, WORDS_COLUMN]) {
      if (existing.has(column) || !columns.has(column)) continue;
      await this.table.createIndex(column, {
        config: lancedb.Index.fts({
          baseTokenizer: "whitespace",
          lowercase: false,
          stem: false,
          removeStopWords: false,
          asciiFolding: false,
          withPosition: false,
          maxTokenLength: 64,
        }),
        replace: true,
      });
    }
    // A passage's neighbours are looked up by document (chunksNear) at every question.
    if (!existing.has(DOCUMENT_PATH_COLUMN) && columns.has(DOCUMENT_PATH_COLUMN))
      await this.table.createIndex(DOCUMENT_PATH_COLUMN, { config: lancedb.Index.btree(), replace: true });
    const rowCount = await this.table.countRows();
    if ((await this.vectorDimension()) > 0 && !existing.has("vector") && rowCount >= VECTOR_INDEX_MIN_ROWS) {
      await this.table.createIndex("vector", {
        config: lancedb.Index.ivfPq({
          distanceType: "cosine",
          numPartitions: Math.max(1, Math.round(Math.sqrt(rowCount))),
        }),
        replace: true,
      });
    }
    if (options.optimize) {
      const cleanupOlderThan = new Date(Date.now() - VERSION_RETENTION_DAYS * 86_400_000);
      await this.table.optimize({ cleanupOlderThan });
    }
  }

  /**
   * BM25 over one lexical view: `terms` (character bigrams, the default) or `words` (word
   * segmentation). A table written before the words view existed answers [] for it.
   */
  async searchFullText(terms: string, limit: number, view: "terms" | "words" = "terms"): Promise<ChunkHit[]> {
    const table = await this.current();
    if (!table || terms.trim() === "") return [];
    const column = view === "words" ? WORDS_COLUMN : FULL_TEXT_COLUMN;
    if (column === WORDS_COLUMN && !(await this.hasColumn(table, WORDS_COLUMN))) return [];
    const rows = await storeCall("searching the corpus", () =>
      table
        .search(terms, "fts", column)
        .select([...CHUNK_COLUMNS, "_score"])
        .limit(limit)
        .toArray(),
    );
    return rows.map((row) => ({ chunk: toChunk(row), score: Number(row._score) }));
  }

  private columnCache: { table: Table; names: Set<string> } | undefined;

  private async hasColumn(table: Table, name: string): Promise<boolean> {
    if (this.columnCache?.table !== table)
      this.columnCache = {
        table,
        names: new Set(
          (await storeCall("reading the corpus", () => table.schema())).fields.map((field) => field.name),
        ),
      };
    return this.columnCache.names.has(name);
  }

  /** Cosine similarity search; scores are similarities (1 = identical direction). */
  async searchVector(vector: number[], limit: number): Promise<ChunkHit[]> {
    const table = await this.current();
    if (!table || (await this.vectorDimension()) === 0) return [];
    const rows = await storeCall("searching the corpus", () =>
      table
        .vectorSearch(vector)
        .distanceType("cosine")
        .select([...CHUNK_COLUMNS, "_distance"])
        .limit(limit)
        .toArray(),
    );
    return rows.map((row) => ({ chunk: toChunk(row), score: 1 - Number(row._distance) }));
  }

  /** Restores the corpus as it was at `version` (a new version is written; nothing is lost). */
  async rollback(version: number): Promise<void> {
    const table = await this.requireVersion(version);
    await table.checkout(version);
    await table.restore();
    await table.checkoutLatest();
  }

  private async requireVersion(version: number): Promise<Table> {
    const table = await this.current();
    if (!table) throw new AppError("there is no corpus to roll back yet: run an ingest first", "not_found");
    const versions = (await table.listVersions()).map((entry) => entry.version);
    if (!versions.includes(version)) {
      throw new AppError(
        `version ${version} does not exist: pick one listed by --versions (${versions.slice(-10).join(", ")})`,
        "not_found",
      );
    }
    return table;
  }

  /** Columns that have an index (for health checks and tests). */
  async indexedColumns(): Promise<string[]> {
    const table = await this.current();
    return table ? (await table.listIndices()).map((index) => index.columns.join(",")) : [];
  }

  async tableVersions(): Promise<number[]> {
    const table = await this.current();
    return table ? (await table.listVersions()).map((entry) => entry.version) : [];
  }
}
