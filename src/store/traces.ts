/**
 * Traces: what each answer saw. A trace is written when a request starts (status "running") and
 * completed when it ends, so a crash mid-answer leaves a trace that the next start marks failed.
 */
import * as lancedb from "@lancedb/lancedb";
import { Field, Float64, Schema, Utf8 } from "apache-arrow";
import type { Trace } from "../types.ts";
import { type Database, openTableIfExists, sqlString, type Table } from "./database.ts";

const TRACES_TABLE = "traces";
/** Compact after this many writes so small appends do not pile up as thousands of fragments. */
const COMPACT_EVERY_WRITES = 200;

const TRACE_SCHEMA = new Schema([
  new Field("id", new Utf8(), false),
  new Field("createdAt", new Utf8(), false),
  new Field("conversationId", new Utf8(), false),
  new Field("platform", new Utf8(), false),
  new Field("userId", new Utf8(), false),
  new Field("question", new Utf8(), false),
  new Field("answer", new Utf8(), false),
  new Field("passages", new Utf8(), false),
  new Field("prompt", new Utf8(), false),
  new Field("sampling", new Utf8(), false),
  new Field("model", new Utf8(), false),
  new Field("usage", new Utf8(), false),
  new Field("timings", new Utf8(), false),
  new Field("status", new Utf8(), false),
  new Field("error", new Utf8(), false),
  new Field("mode", new Utf8(), false),
  new Field("feedback", new Utf8(), false),
  new Field("bestScore", new Float64(), false),
]);

type TraceRow = Record<string, string | number>;

function toRow(trace: Trace): TraceRow {
  const best = Math.max(
    0,
    // A reranker's logit is on another scale than BM25 and cosine scores.
    ...trace.passages.map((passage) =>
      Math.max(
        ...passage.retrievers.filter((hit) => hit.retriever !== "reranker").map((hit) => hit.score),
        0,
      ),
    ),
  );
  return {
    id: trace.id,
    createdAt: trace.createdAt,
    conversationId: trace.conversationId,
    platform: trace.platform,
    userId: trace.userId,
    question: trace.question,
    answer: trace.answer,
    passages: JSON.stringify(trace.passages),
    prompt: trace.prompt,
    sampling: JSON.stringify(trace.sampling),
    model: trace.model,
    usage: JSON.stringify(trace.usage),
    timings: JSON.stringify(trace.timings),
    status: trace.status,
    error: trace.error ? JSON.stringify(trace.error) : "",
    mode: trace.mode,
    feedback: trace.feedback ?? "",
    bestScore: best,
  };
}

function fromRow(row: Record<string, unknown>): Trace {
  const text = (name: string) => String(row[name] ?? "");
  const trace: Trace = {
    id: text("id"),
    createdAt: text("createdAt"),
    conversationId: text("conversationId"),
    platform: text("platform") as Trace["platform"],
    userId: text("userId"),
    question: text("question"),
    answer: text("answer"),
    passages: JSON.parse(text("passages") || "[]"),
    prompt: text("prompt"),
    sampling: JSON.parse(text("sampling") || "{}"),
    model: text("model"),
    usage: JSON.parse(text("usage") || "{}"),
    timings: JSON.parse(text("timings") || "{}"),
    status: text("status") as Trace["status"],
    mode: text("mode") as Trace["mode"],
  };
  if (text("error")) trace.error = JSON.parse(text("error"));
  if (text("feedback")) trace.feedback = text("feedback") as Trace["feedback"];
  return trace;
}

export interface TraceQuery {
  limit?: number;
  /** Only traces created before this ISO time (pagination cursor). */
  before?: string;
  platform?: string;
  conversationId?: string;
}

/** Filters the database can apply; text, user and retrieval-strength filters are applied by the caller. */
export interface TraceSearch {
  platform?: string;
  mode?: string;
  /** "none" means no feedback was given. */
  feedback?: "up" | "down" | "none";
  /** Inclusive lower bound, ISO time. */
  from?: string;
  /** Exclusive upper bound, ISO time (also the pagination cursor). */
  to?: string;
  conversationId?: string;
}

/** A trace without its prompt text (the heavy column), for lists. */
export type TraceSummary = Omit<Trace, "prompt">;

/** Every column except the prompt. */
const SUMMARY_COLUMNS = TRACE_SCHEMA.fields.map((field) => field.name).filter((name) => name !== "prompt");

export interface TraceStoreOptions {
  /** A batched write that failed (e.g. disk full): the answer was already delivered; log it. */
  onWriteError?: (error: unknown, traceIds: string[]) => void;
  /** How long writes wait to be batched together, in ms. Default 40. */
  flushDelayMs?: number;
}

/** Flush at once when this many traces are waiting. */
const FLUSH_AT_PENDING = 256;
/** Scalar indexes pay off once the table is this big. */
const INDEX_MIN_ROWS = 2000;
const INDEXED_COLUMNS = ["id", "createdAt", "conversationId"] as const;
const LOOKBACK_HOURS = [1, 6, 24, 24 * 7, 24 * 30, 24 * 180, Infinity];

/**
 * Writes are batched: inserts and updates wait a few milliseconds and go to LanceDB as one
 * merge-insert, so a busy service makes one commit per batch instead of two per answer. Reads flush
 * first, so they always see every write. Background compaction keeps fragments few, and scalar
 * indexes on id, createdAt and conversationId keep lists and lookups fast as traces accumulate.
 */
export class TraceStore {
  private writes = 0;
  private compacting: Promise<void> | undefined;
  private readonly pending = new Map<string, TraceRow>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Newest createdAt written; undefined until first needed. */
  private latestCreatedAt: string | undefined;

  private constructor(
    private readonly table: Table,
    private readonly options: TraceStoreOptions,
  ) {}

  static async open(database: Database, options: TraceStoreOptions = {}): Promise<TraceStore> {
    const table =
      (await openTableIfExists(database, TRACES_TABLE)) ??
      (await database.createEmptyTable(TRACES_TABLE, TRACE_SCHEMA, { existOk: true }));
    const store = new TraceStore(table, options);
    await store.ensureIndexes();
    return store;
  }

  /** Queues a new trace; it reaches LanceDB with the next batch (reads always see it). */
  async insert(trace: Trace): Promise<void> {
    this.enqueue([toRow(trace)]);
  }

  /** Queues a trace's new state by id (inserted if its first write was lost). */
  async save(trace: Trace): Promise<void> {
    this.enqueue([toRow(trace)]);
  }

  /** Many traces at once (imports, benchmarks). */
  async insertMany(traces: Trace[]): Promise<void> {
    this.enqueue(traces.map(toRow));
    await this.flush();
  }

  /** Writes everything queued so far. */
  flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  async get(id: string): Promise<Trace | undefined> {
    const waiting = this.pending.get(id);
    if (waiting) return fromRow(waiting);
    await this.flushing; // a batch being written may hold this trace's newest state
    const rows = await this.table
      .query()
      .where(`id = ${sqlString(id)}`)
      .limit(1)
      .toArray();
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(query: TraceQuery = {}): Promise<Trace[]> {
    const filters: string[] = [];
    if (query.before) filters.push(`createdAt < ${sqlString(query.before)}`);
    if (query.platform) filters.push(`platform = ${sqlString(query.platform)}`);
    if (query.conversationId) filters.push(`conversationId = ${sqlString(query.conversationId)}`);
    return (await this.newest(filters, query.limit ?? 50)).map(fromRow);
  }

  /**
   * Matching traces newest first, without prompts (for the admin list and knowledge gaps).
   * With `limit`, only the newest rows are read in full.
   */
  async listSummaries(search: TraceSearch & { limit?: number } = {}): Promise<TraceSummary[]> {
    const rows = await this.newest(searchFilters(search), search.limit, SUMMARY_COLUMNS);
    return rows.map((row) => {
      const { prompt: _prompt, ...summary } = fromRow(row);
      return summary;
    });
  }

  async countMatching(search: TraceSearch = {}): Promise<number> {
    await this.flush();
    const filters = searchFilters(search);
    return this.table.countRows(filters.length > 0 ? filters.join(" AND ") : undefined);
  }

  async setFeedback(id: string, feedback: "up" | "down"): Promise<boolean> {
    await this.flush();
    const trace = await this.get(id);
    if (!trace) return false;
    await this.table.update({ where: `id = ${sqlString(id)}`, values: { feedback } });
    this.afterWrite(1);
    return true;
  }

  /** Traces left "running" by a process that died are marked failed. Returns how many. */
  async failInterrupted(message: string): Promise<number> {
    await this.flush();
    const count = await this.table.countRows(`status = 'running'`);
    if (count > 0) {
      await this.table.update({
        where: `status = 'running'`,
        values: { status: "failed", error: JSON.stringify({ code: "interrupted", message }) },
      });
    }
    return count;
  }

  async deleteOlderThan(cutoffIso: string): Promise<void> {
    await this.flush();
    await this.table.delete(`createdAt < ${sqlString(cutoffIso)}`);
  }

  async count(): Promise<number> {
    await this.flush();
    return this.table.countRows();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.compacting;
  }

  /** Reads only id and createdAt to pick the newest matches, then the chosen rows in full. */
  private async newest(
    filters: string[],
    limit: number | undefined,
    columns?: string[],
  ): Promise<Record<string, unknown>[]> {
    await this.flush();
    const where = filters.length > 0 ? filters.join(" AND ") : undefined;
    const byNewest = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(b.createdAt).localeCompare(String(a.createdAt));
    if (limit === undefined) {
      let builder = this.table.query();
      if (columns) builder = builder.select(columns);
      if (where) builder = builder.where(where);
      return (await builder.toArray()).sort(byNewest);
    }
    const chosen = await this.newestKeys(filters, limit);
    if (chosen.length === 0) return [];
    let builder = this.table
      .query()
      .where(`id IN (${chosen.map((row) => sqlString(String(row.id))).join(", ")})`);
    if (columns) builder = builder.select(columns);
    return (await builder.toArray()).sort(byNewest);
  }

  /**
   * The newest `limit` (id, createdAt) pairs. Looks back in widening time windows from the newest
   * trace, so with the createdAt index a page costs the same at 1,000 or 100,000 traces.
   */
  private async newestKeys(filters: string[], limit: number): Promise<Record<string, unknown>[]> {
    const upperBound = filters.find((filter) => filter.startsWith("createdAt <"));
    const newest = this.latestCreatedAt ?? (await this.scanLatestCreatedAt());
    if (!newest) return [];
    const upper = Math.min(
      Date.parse(newest) + 1,
      upperBound ? Date.parse(upperBound.split("'")[1]!) : Infinity,
    );
    for (const hours of LOOKBACK_HOURS) {
      const windowFilters =
        hours === Infinity
          ? filters
          : [...filters, `createdAt >= ${sqlString(new Date(upper - hours * 3_600_000).toISOString())}`];
      let keys = this.table.query().select(["id", "createdAt"]);
      if (windowFilters.length > 0) keys = keys.where(windowFilters.join(" AND "));
      const rows = await keys.toArray();
      if (rows.length >= limit || hours === Infinity) {
        return rows.sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt))).slice(0, limit);
      }
    }
    return [];
  }

  private async scanLatestCreatedAt(): Promise<string | undefined> {
    const rows = await this.table.query().select(["createdAt"]).toArray();
    let latest: string | undefined;
    for (const row of rows) if (!latest || String(row.createdAt) > latest) latest = String(row.createdAt);
    this.latestCreatedAt = latest;
    return latest;
  }

  private enqueue(rows: TraceRow[]): void {
    for (const row of rows) {
      this.pending.set(String(row.id), row);
      const createdAt = String(row.createdAt);
      if (this.latestCreatedAt !== undefined && createdAt > this.latestCreatedAt)
        this.latestCreatedAt = createdAt;
    }
    if (this.pending.size >= FLUSH_AT_PENDING) {
      void this.flush();
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush();
      }, this.options.flushDelayMs ?? 40);
    }
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const rows = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.table
        .mergeInsert("id")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(lancedb.makeArrowTable(rows, { schema: TRACE_SCHEMA }));
      this.afterWrite(rows.length);
    } catch (error) {
      // Dropped, not retried: a full disk must not grow memory without bound.
      this.options.onWriteError?.(
        error,
        rows.map((row) => String(row.id)),
      );
    }
  }

  private async ensureIndexes(): Promise<void> {
    if ((await this.table.countRows()) < INDEX_MIN_ROWS) return;
    const existing = new Set((await this.table.listIndices()).map((index) => index.columns.join(",")));
    for (const column of INDEXED_COLUMNS) {
      if (!existing.has(column)) await this.table.createIndex(column, { config: lancedb.Index.btree() });
    }
  }

  private afterWrite(count: number): void {
    const before = this.writes;
    this.writes += count;
    if (Math.floor(before / COMPACT_EVERY_WRITES) === Math.floor(this.writes / COMPACT_EVERY_WRITES)) return;
    if (this.compacting) return;
    // Compaction merges small fragments and folds new rows into the indexes, off the request path.
    this.compacting = this.ensureIndexes()
      .then(() => this.table.optimize())
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.compacting = undefined;
      });
  }
}

function searchFilters(search: TraceSearch): string[] {
  const filters: string[] = [];
  if (search.platform) filters.push(`platform = ${sqlString(search.platform)}`);
  if (search.mode) filters.push(`mode = ${sqlString(search.mode)}`);
  if (search.feedback)
    filters.push(`feedback = ${sqlString(search.feedback === "none" ? "" : search.feedback)}`);
  if (search.from) filters.push(`createdAt >= ${sqlString(search.from)}`);
  if (search.to) filters.push(`createdAt < ${sqlString(search.to)}`);
  if (search.conversationId) filters.push(`conversationId = ${sqlString(search.conversationId)}`);
  return filters;
}
