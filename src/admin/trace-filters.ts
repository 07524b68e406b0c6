/** The trace list's filters: read from the query string, split into database and in-memory parts. */
import { AppError } from "../errors.ts";
import { formatTraceCursor, parseTraceCursor, type TraceFilter, type TraceSummary } from "../store/index.ts";
import type { ChatMode, Platform } from "../types.ts";
import { dayStartUtc } from "./time.ts";
import { isWeakRetrieval, type WeakRetrievalThresholds } from "./weak-retrieval.ts";

export const PLATFORMS: readonly Platform[] = ["http", "openai", "discord", "line", "cli", "eval"];
export const MODES: readonly ChatMode[] = [
  "answer",
  "retrieval-only",
  "crisis",
  "refusal",
  "smalltalk",
  "not-covered",
  "verified",
];
export const FEEDBACK_CHOICES = ["up", "down", "none"] as const;

/** The trace list page's filter, as its query string holds it. */
export interface TraceListFilter {
  platform?: Platform;
  mode?: ChatMode;
  feedback?: (typeof FEEDBACK_CHOICES)[number];
  /** First day shown, yyyy-mm-dd in the course time zone. */
  from?: string;
  /** Last day shown (inclusive), yyyy-mm-dd. */
  to?: string;
  weak?: boolean;
  /** Case-insensitive text in the question or answer. */
  text?: string;
  /** A pseudonym, e.g. 學生-3f9a2c. */
  user?: string;
  /** Pagination cursor (formatTraceCursor's text): only traces after that one, newest first. */
  before?: string;
}

type Query = (name: string) => string | undefined;

function choice<T extends string>(query: Query, name: string, choices: readonly T[]): T | undefined {
  const value = query(name)?.trim();
  if (!value) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new AppError(`${name} must be one of ${choices.join(", ")}`, "bad_request");
  }
  return value as T;
}

function day(query: Query, name: string): string | undefined {
  const value = query(name)?.trim();
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new AppError(`${name} must be a date like 2026-03-01`, "bad_request");
  }
  return value;
}

export function readTraceFilter(query: Query): TraceListFilter {
  const before = query("before")?.trim();
  const cursor = before ? parseTraceCursor(before) : undefined;
  if (before && !cursor) throw new AppError("before must be an ISO date-time", "bad_request");
  const filter: TraceListFilter = {
    platform: choice(query, "platform", PLATFORMS),
    mode: choice(query, "mode", MODES),
    feedback: choice(query, "feedback", FEEDBACK_CHOICES),
    from: day(query, "from"),
    to: day(query, "to"),
    weak: query("weak") === "1" ? true : undefined,
    text: query("q")?.trim().slice(0, 200) || undefined,
    user: query("user")?.trim().slice(0, 64) || undefined,
    before: cursor ? formatTraceCursor(cursor) : undefined,
  };
  return Object.fromEntries(
    Object.entries(filter).filter(([, value]) => value !== undefined),
  ) as TraceListFilter;
}

/** The part of the filter the database applies. */
export function toStoreFilter(filter: TraceListFilter, timeZone: string): TraceFilter {
  return {
    platform: filter.platform,
    mode: filter.mode,
    feedback: filter.feedback,
    from: filter.from ? dayStartUtc(filter.from, timeZone) : undefined,
    to: filter.to ? dayStartUtc(filter.to, timeZone, 1) : undefined,
    cursor: filter.before ? parseTraceCursor(filter.before) : undefined,
  };
}

export interface MatchContext {
  weakRetrieval: WeakRetrievalThresholds;
  pseudonymOf(trace: TraceSummary): string;
}

/** The part of the filter applied in memory (text, pseudonym, retrieval strength). */
export function matchesTraceFilter(
  trace: TraceSummary,
  filter: TraceListFilter,
  context: MatchContext,
): boolean {
  if (filter.weak && !isWeakRetrieval(trace.passages, context.weakRetrieval)) return false;
  if (filter.user && context.pseudonymOf(trace) !== filter.user) return false;
  if (filter.text) {
    const needle = filter.text.toLowerCase();
    if (!trace.question.toLowerCase().includes(needle) && !trace.answer.toLowerCase().includes(needle))
      return false;
  }
  return true;
}

/** Query string for a link keeping the current filters, with some replaced (undefined removes). */
export function filterQuery(
  filter: TraceListFilter,
  changes: Partial<Record<keyof TraceListFilter, string | undefined>> = {},
): string {
  const names: Record<keyof TraceListFilter, string> = {
    platform: "platform",
    mode: "mode",
    feedback: "feedback",
    from: "from",
    to: "to",
    weak: "weak",
    text: "q",
    user: "user",
    before: "before",
  };
  const params = new URLSearchParams();
  for (const key of Object.keys(names) as (keyof TraceListFilter)[]) {
    const value =
      key in changes ? changes[key] : filter[key] === true ? "1" : (filter[key] as string | undefined);
    if (value !== undefined && value !== "") params.set(names[key], value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
