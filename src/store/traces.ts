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
    ...trace.passages.map((passage) => Math.max(...passage.retrievers.map((hit) => hit.score), 0)),
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

export class TraceStore {
  private writes = 0;
  private compacting: Promise<void> | undefined;

  private constructor(private readonly table: Table) {}

  static async open(database: Database): Promise<TraceStore> {
    const table =
      (await openTableIfExists(database, TRACES_TABLE)) ??
      (await database.createEmptyTable(TRACES_TABLE, TRACE_SCHEMA, { existOk: true }));
    return new TraceStore(table);
  }

  async insert(trace: Trace): Promise<void> {
    await this.table.add([toRow(trace)]);
    this.afterWrite();
  }

  /** Replaces a trace by id (or inserts it when the start write was lost). */
  async save(trace: Trace): Promise<void> {
    await this.table
      .mergeInsert("id")
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute(lancedb.makeArrowTable([toRow(trace)], { schema: TRACE_SCHEMA }));
    this.afterWrite();
  }

  async get(id: string): Promise<Trace | undefined> {
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
    let builder = this.table.query();
    if (filters.length > 0) builder = builder.where(filters.join(" AND "));
    const rows = await builder.toArray();
    return rows
      .map(fromRow)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, query.limit ?? 50);
  }

  /** Matching traces newest first, without prompts (for the admin list and knowledge gaps). */
  async listSummaries(search: TraceSearch = {}): Promise<TraceSummary[]> {
    const filters: string[] = [];
    if (search.platform) filters.push(`platform = ${sqlString(search.platform)}`);
    if (search.mode) filters.push(`mode = ${sqlString(search.mode)}`);
    if (search.feedback)
      filters.push(`feedback = ${sqlString(search.feedback === "none" ? "" : search.feedback)}`);
    if (search.from) filters.push(`createdAt >= ${sqlString(search.from)}`);
    if (search.to) filters.push(`createdAt < ${sqlString(search.to)}`);
    if (search.conversationId) filters.push(`conversationId = ${sqlString(search.conversationId)}`);
    let builder = this.table.query().select(SUMMARY_COLUMNS);
    if (filters.length > 0) builder = builder.where(filters.join(" AND "));
    const rows = await builder.toArray();
    return rows
      .map((row) => {
        const { prompt: _prompt, ...summary } = fromRow(row);
        return summary;
      })
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async setFeedback(id: string, feedback: "up" | "down"): Promise<boolean> {
    const trace = await this.get(id);
    if (!trace) return false;
    await this.table.update({ where: `id = ${sqlString(id)}`, values: { feedback } });
    this.afterWrite();
    return true;
  }

  /** Traces left "running" by a process that died are marked failed. Returns how many. */
  async failInterrupted(message: string): Promise<number> {
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
    await this.table.delete(`createdAt < ${sqlString(cutoffIso)}`);
  }

  async count(): Promise<number> {
    return this.table.countRows();
  }

  private afterWrite(): void {
    this.writes++;
    if (this.writes % COMPACT_EVERY_WRITES === 0 && !this.compacting) {
      this.compacting = this.table
        .optimize()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          this.compacting = undefined;
        });
    }
  }

  async close(): Promise<void> {
    await this.compacting;
  }
}
