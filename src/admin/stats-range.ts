/** The dashboard's date range (?from=&to=, days in the course time zone): read, checked, defaulted. Pure. */
import { AppError } from "../errors.ts";
import { dayStartUtc, formatTime } from "./time.ts";

/** The longest range the dashboard and /api/admin/stats accept, in days. */
export const MAX_RANGE_DAYS = 366;
/** Shown when no range is asked for. */
export const DEFAULT_RANGE_DAYS = 30;

export interface StatsRange {
  /** First day, yyyy-mm-dd. */
  from: string;
  /** Last day (inclusive), yyyy-mm-dd. */
  to: string;
  /** UTC instants: [fromUtc, toUtc) covers the days in the course time zone. */
  fromUtc: string;
  toUtc: string;
}

function readDay(name: string, value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match
    ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    : undefined;
  // 2026-02-30 parses as March 2nd: only a date that reads back the same is a date.
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text)
    throw new AppError(
      `${name} must be a date like 2026-03-01, got ${JSON.stringify(text.slice(0, 40))}`,
      "bad_request",
    );
  return text;
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function readStatsRange(
  query: (name: string) => string | undefined,
  timeZone: string,
  now: Date = new Date(),
): StatsRange {
  const today = formatTime(now.toISOString(), timeZone).slice(0, 10);
  const to = readDay("to", query("to")) ?? today;
  const from = readDay("from", query("from")) ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to)
    throw new AppError(`from (${from}) is after to (${to}): the range is inverted`, "bad_request");
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  if (days > MAX_RANGE_DAYS)
    throw new AppError(
      `the range from ${from} to ${to} is ${days} days: at most ${MAX_RANGE_DAYS} (one year)`,
      "bad_request",
    );
  return { from, to, fromUtc: dayStartUtc(from, timeZone)!, toUtc: dayStartUtc(to, timeZone, 1)! };
}
