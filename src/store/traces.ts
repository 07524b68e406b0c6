/**
 * Traces: what each answer saw. A trace is written when a request starts (status "running") and
 * completed when it ends, so a crash mid-answer leaves a trace that the next start marks failed.
 */
import * as lancedb from "@lancedb/lancedb";
import { Field, Float64, Schema, Utf8 } from "apache-arrow";
import { createLogger, type Logger } from "../log.ts";
import type { Trace } from "../types.ts";
import { STATS_COLUMNS, statsColumnsOf, type TraceStatsColumns } from "./arrow-columns.ts";
import { BackgroundCompaction } from "./compaction.ts";
import {
  type Database,
  openOrCreateTable,
  readRowById,
  sqlString,
  storeCall,
  type Table,
} from "./database.ts";
import { newestFirst, type TraceFilter, traceFilterSql } from "./trace-filter.ts";

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

/** A trace without its prompt text (the heavy column), for lists. */
export type TraceSummary = Omit<Trace, "prompt">;

/** Every column except the prompt. */
const SUMMARY_COLUMNS = TRACE_SCHEMA.fields.map((field) => field.name).filter((name) => name !== "prompt");

export interface TraceStoreOptions {
  /**
   * A batched write that failed (the store unreachable, a full disk): the answer was already
   * delivered; log it. `kept`: the traces stay queued and are written when the store answers again.
   */
  onWriteError?: (error: unknown, traceIds: string[], kept: boolean) => void;
  /** How long writes wait to be batched together, in ms. Default 40. */
  flushDelayMs?: number;
  /** Where failed compactions are reported. Default: a stderr logger at level info. */
  logger?: Logger;
}

/**
 * Traces kept in memory for another try while writes fail; beyond this many the oldest failed batch
 * is dropped, so a store that never comes back cannot grow memory without bound.
 */
const RETRY_MAX_PENDING = 10_000;
/** Waits between tries of a failed batch, in ms (the last one repeats). */
const RETRY_DELAYS_MS = [250, 1000, 2000, 5000, 10_000];
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
  private readonly compaction: BackgroundCompaction;
  private readonly pending = new Map<string, TraceRow>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private failedWrites = 0;
  private closed = false;
  /** Newest createdAt written; undefined until first needed. */
  private latestCreatedAt: string | undefined;

  private constructor(
    private readonly table: Table,
    private readonly options: TraceStoreOptions,
  ) {
    this.compaction = new BackgroundCompaction(table, {
      what: TRACES_TABLE,
      logger: options.logger ?? createLogger(),
      prepare: () => this.ensureIndexes(),
      everyWrites: COMPACT_EVERY_WRITES,
    });
  }

  static async open(database: Database, options: TraceStoreOptions = {}): Promise<TraceStore> {
    const table = await openOrCreateTable(database, TRACES_TABLE, TRACE_SCHEMA);
    const store = new TraceStore(table, options);
    await store.ensureIndexes();
    return store;
  }

  /**
   * Queues traces, new ones or a newer state of one (matched by id, inserted if its first write was
   * lost). They reach LanceDB with the next batch; reads always see them. With `flush` (imports,
   * benchmarks) the batch is written before this resolves; default false.
   */
  async save(traces: Trace | readonly Trace[], options: { flush?: boolean } = {}): Promise<void> {
    this.enqueue(Array.isArray(traces) ? traces.map(toRow) : [toRow(traces as Trace)]);
    if (options.flush) await this.flush();
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
    const row = await readRowById(this.table, id, "reading a trace");
    return row ? fromRow(row) : undefined;
  }

  /** Matching traces newest first, the newest 50 unless the filter sets a limit. */
  async list(filter: TraceFilter = {}): Promise<Trace[]> {
    return (await this.newest({ ...filter, limit: filter.limit ?? 50 })).map(fromRow);
  }

  /**
   * Matching traces newest first, without prompts (for the admin list and knowledge gaps).
   * With `limit`, only the newest rows are read in full.
   */
  async listSummaries(filter: TraceFilter = {}): Promise<TraceSummary[]> {
    const rows = await this.newest(filter, SUMMARY_COLUMNS);
    return rows.map((row) => {
      const { prompt: _prompt, ...summary } = fromRow(row);
      return summary;
    });
  }

  /** How many traces the filter selects, its cursor included and its limit ignored. */
  async countMatching(filter: TraceFilter = {}): Promise<number> {
    await this.flush();
    return storeCall("counting traces", () => this.table.countRows(traceFilterSql(filter)));
  }

  async setFeedback(id: string, feedback: "up" | "down"): Promise<boolean> {
    await this.flush();
    const trace = await this.get(id);
    if (!trace) return false;
    await storeCall("saving feedback", () =>
      this.table.update({ where: `id = ${sqlString(id)}`, values: { feedback } }),
    );
    this.compaction.recordWrites(1);
    return true;
  }

  /** Traces left "running" by a process that died are marked failed. Returns how many. */
  async failInterrupted(message: string): Promise<number> {
    await this.flush();
    const running = `status = ${sqlString("running")}`;
    const count = await this.table.countRows(running);
    if (count > 0) {
      await this.table.update({
        where: running,
        values: { status: "failed", error: JSON.stringify({ code: "interrupted", message }) },
      });
    }
    return count;
  }

  async deleteOlderThan(cutoffIso: string): Promise<void> {
    await this.flush();
    await storeCall("deleting old traces", () => this.table.delete(traceFilterSql({ to: cutoffIso })!));
  }

  async count(): Promise<number> {
    await this.flush();
    return storeCall("counting traces", () => this.table.countRows());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.flush();
    await this.compaction.idle();
  }

  /**
   * The few columns the dashboard's figures need, for traces created in [from, to), evaluation runs'
   * traces left out: read as Arrow and decoded in place (arrow-columns.ts), without a string per row.
   */
  async statsColumns(range: { from: string; to: string }): Promise<TraceStatsColumns> {
    await this.flush();
    const where = `${traceFilterSql(range)} AND platform != ${sqlString("eval")}`;
    return statsColumnsOf(
      await storeCall("reading the dashboard's figures", () =>
        this.table.query().where(where).select(STATS_COLUMNS).toArrow(),
      ),
    );
  }

  /** Weak-retrieval candidates for the gaps trend: answered traces in [from, to) with their passages. */
  async passagesInRange(range: {
    from: string;
    to: string;
  }): Promise<Pick<Trace, "createdAt" | "passages">[]> {
    await this.flush();
    const answered = `mode IN (${sqlString("answer")}, ${sqlString("retrieval-only")})`;
    const where = `${traceFilterSql(range)} AND ${answered} AND status = ${sqlString("ok")} AND platform != ${sqlString("eval")}`;
    const rows = await storeCall("reading the knowledge gaps", () =>
      this.table.query().where(where).select(["createdAt", "passages"]).toArray(),
    );
    return rows.map((row) => ({
      createdAt: String(row.createdAt),
      passages: JSON.parse(String(row.passages || "[]")),
    }));
  }

  /**
   * Every matching trace without its prompt, a batch at a time in storage order: an export reads
   * 100,000 traces in constant memory (the consumer's pace holds the reader back).
   */
  async *summaryBatches(filter: TraceFilter = {}): AsyncGenerator<TraceSummary[]> {
    await this.flush();
    let query = this.table.query().select(SUMMARY_COLUMNS);
    const where = traceFilterSql({ ...filter, limit: undefined });
    if (where) query = query.where(where);
    for await (const batch of query) {
      yield batch.toArray().map((row: { toJSON(): Record<string, unknown> }) => {
        const { prompt: _prompt, ...summary } = fromRow(row.toJSON());
        return summary;
      });
    }
  }

  /** Reads only id and createdAt to pick the newest matches, then the chosen rows in full. */
  private async newest(filter: TraceFilter, columns?: string[]): Promise<Record<string, unknown>[]> {
    await this.flush();
    return storeCall("listing traces", () => this.readNewest(filter, columns));
  }

  private async readNewest(filter: TraceFilter, columns?: string[]): Promise<Record<string, unknown>[]> {
    if (filter.limit === undefined) {
      let builder = this.table.query();
      if (columns) builder = builder.select(columns);
      const where = traceFilterSql(filter);
      if (where) builder = builder.where(where);
      return (await builder.toArray()).sort(newestFirst);
    }
    const chosen = await this.newestKeys(filter, filter.limit);
    if (chosen.length === 0) return [];
    let builder = this.table
      .query()
      .where(`id IN (${chosen.map((row) => sqlString(String(row.id))).join(", ")})`);
    if (columns) builder = builder.select(columns);
    return (await builder.toArray()).sort(newestFirst);
  }

  /**
   * The newest `limit` (id, createdAt) pairs. Looks back in widening time windows from the newest
   * trace the filter allows, so with the createdAt index a page costs the same at 1,000 or 100,000 traces.
   */
  private async newestKeys(filter: TraceFilter, limit: number): Promise<Record<string, unknown>[]> {
    const newest = this.latestCreatedAt ?? (await this.scanLatestCreatedAt());
    if (!newest) return [];
    const upper =
      Math.min(
        ...[newest, filter.to, filter.cursor?.createdAt]
          .map((time) => (time ? Date.parse(time) : Number.NaN))
          .filter((time) => !Number.isNaN(time)),
      ) + 1;
    for (const hours of LOOKBACK_HOURS) {
      const start = hours === Infinity ? undefined : new Date(upper - hours * 3_600_000).toISOString();
      // Once the window reaches back past the filter's own lower bound it holds every match.
      const whole = start === undefined || (filter.from !== undefined && filter.from >= start);
      let keys = this.table.query().select(["id", "createdAt"]);
      const where = traceFilterSql(whole ? filter : { ...filter, from: start });
      if (where) keys = keys.where(where);
      const rows = await keys.toArray();
      if (rows.length >= limit || whole) return rows.sort(newestFirst).slice(0, limit);
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
      this.failedWrites = 0;
      this.compaction.recordWrites(rows.length);
    } catch (error) {
      this.keepForRetry(rows, error);
    }
  }

  /**
   * A failed batch goes back in the queue (behind any newer state of the same trace) and is tried
   * again after a growing wait, so an object store that is away for a while loses no trace. Bounded
   * by RETRY_MAX_PENDING: past it (or after close) the batch is dropped and logged.
   */
  private keepForRetry(rows: TraceRow[], error: unknown): void {
    const ids = rows.map((row) => String(row.id));
    const kept = !this.closed && this.pending.size + rows.length <= RETRY_MAX_PENDING;
    if (kept) {
      const newer = new Map(this.pending);
      this.pending.clear();
      for (const row of rows) this.pending.set(String(row.id), row);
      for (const [id, row] of newer) this.pending.set(id, row);
    }
    this.options.onWriteError?.(error, ids, kept);
    if (!kept) return;
    const delay = RETRY_DELAYS_MS[Math.min(this.failedWrites, RETRY_DELAYS_MS.length - 1)]!;
    this.failedWrites++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.flush(), delay);
    this.retryTimer.unref();
  }

  private async ensureIndexes(): Promise<void> {
    if ((await this.table.countRows()) < INDEX_MIN_ROWS) return;
    const existing = new Set((await this.table.listIndices()).map((index) => index.columns.join(",")));
    for (const column of INDEXED_COLUMNS) {
      if (!existing.has(column)) await this.table.createIndex(column, { config: lancedb.Index.btree() });
    }
  }
}
