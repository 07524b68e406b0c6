/**
 * Which traces to read, as data, and the one place that turns it into LanceDB SQL. The paging cursor
 * is a value (createdAt, id), never recovered from SQL text.
 */
import { sqlString } from "./database.ts";

/**
 * Where a page of traces ended: the next page starts right after this trace in newest-first order
 * (createdAt, then id, both descending), so traces sharing a timestamp are neither repeated nor skipped.
 */
export interface TraceCursor {
  createdAt: string;
  /** Without an id the next page starts strictly before createdAt (a cursor given as a time only). */
  id?: string;
}

/**
 * Which traces to read, as data; traceFilterSql turns it into SQL. Text, user and retrieval-strength
 * filters are not here: the admin page applies them in memory.
 */
export interface TraceFilter {
  platform?: string;
  conversationId?: string;
  mode?: string;
  /** "none" means no feedback was given. */
  feedback?: "up" | "down" | "none";
  /** Inclusive lower bound, ISO time. */
  from?: string;
  /** Exclusive upper bound, ISO time. */
  to?: string;
  /** Only traces after this one, newest first (pagination). */
  cursor?: TraceCursor;
  /** At most this many, the newest. Default: 50 for list(), every match for listSummaries(). */
  limit?: number;
}

/** The SQL filter for a TraceFilter (limit aside), or undefined when it selects every trace. */
export function traceFilterSql(filter: TraceFilter): string | undefined {
  const conditions: string[] = [];
  const equals = (column: string, value: string | undefined) => {
    if (value) conditions.push(`${column} = ${sqlString(value)}`);
  };
  equals("platform", filter.platform);
  equals("conversationId", filter.conversationId);
  equals("mode", filter.mode);
  if (filter.feedback)
    conditions.push(`feedback = ${sqlString(filter.feedback === "none" ? "" : filter.feedback)}`);
  if (filter.from) conditions.push(`createdAt >= ${sqlString(filter.from)}`);
  if (filter.to) conditions.push(`createdAt < ${sqlString(filter.to)}`);
  const cursor = filter.cursor;
  if (cursor?.id) {
    // The range condition stands alone so the createdAt index can narrow the scan.
    const at = sqlString(cursor.createdAt);
    conditions.push(`createdAt <= ${at}`, `(createdAt < ${at} OR id < ${sqlString(cursor.id)})`);
  } else if (cursor) {
    conditions.push(`createdAt < ${sqlString(cursor.createdAt)}`);
  }
  return conditions.length > 0 ? conditions.join(" AND ") : undefined;
}

/** A cursor as one query-string value: "createdAt_id", or just an ISO time. */
export function formatTraceCursor(cursor: TraceCursor): string {
  return cursor.id ? `${cursor.createdAt}_${cursor.id}` : cursor.createdAt;
}

/** Reads formatTraceCursor's text (or any ISO date-time); undefined when the time is not a date. */
export function parseTraceCursor(text: string): TraceCursor | undefined {
  const split = text.indexOf("_");
  const time = split < 0 ? text : text.slice(0, split);
  const id = split < 0 ? "" : text.slice(split + 1);
  if (Number.isNaN(Date.parse(time))) return undefined;
  const createdAt = new Date(time).toISOString();
  return id ? { createdAt, id } : { createdAt };
}

/** Newest first: createdAt, then id, both descending (the order TraceCursor follows). */
export function newestFirst(a: Record<string, unknown>, b: Record<string, unknown>): number {
  return compareText(String(b.createdAt), String(a.createdAt)) || compareText(String(b.id), String(a.id));
}

/** Plain code-unit order, like the SQL comparisons (localeCompare would not match them). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
