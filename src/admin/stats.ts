/**
 * The dashboard's figures from trace columns: per day in the course time zone, questions by platform
 * and mode, feedback, and time to first token / total time percentiles; plus the busiest hours of
 * the week. Pure. Modes and platforms are counted by whatever name a trace carries, so a new mode
 * (a later "verified" answer, say) shows up without a change here.
 */
import type { TraceStatsColumns } from "../store/index.ts";
import { dayStartUtc } from "./time.ts";

export interface Percentiles {
  p50: number | null;
  p95: number | null;
}

export interface DayStats {
  date: string;
  total: number;
  byPlatform: Record<string, number>;
  byMode: Record<string, number>;
  feedback: { up: number; down: number };
  /** Over answers the model generated (mode "answer", status ok). */
  firstTokenMs: Percentiles;
  totalMs: Percentiles;
}

export interface StatsReport {
  from: string;
  to: string;
  timeZone: string;
  days: DayStats[];
  totals: {
    total: number;
    byPlatform: Record<string, number>;
    byMode: Record<string, number>;
    feedback: { up: number; down: number };
  };
  /** questions[weekday][hour], weekday 0 = Monday, in the course time zone. */
  hoursOfWeek: number[][];
}

/** The days from `from` to `to` inclusive (yyyy-mm-dd). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const start = Date.UTC(Number(from.slice(0, 4)), Number(from.slice(5, 7)) - 1, Number(from.slice(8, 10)));
  const end = Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)) - 1, Number(to.slice(8, 10)));
  for (let time = start; time <= end; time += 86_400_000)
    days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: ArrayLike<number>, fraction: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/** Index of the day a time falls in, by binary search over the days' starts (epoch ms). */
function dayIndex(starts: Float64Array | number[], time: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= time) low = middle;
    else high = middle - 1;
  }
  return low;
}

export function computeStats(
  columns: TraceStatsColumns,
  range: { from: string; to: string; timeZone: string },
): StatsReport {
  const dates = daysBetween(range.from, range.to);
  const starts = Float64Array.from(dates, (date) => Date.parse(dayStartUtc(date, range.timeZone)!));
  const { platform, mode, feedback, status } = columns;
  // Counted by code first (cheap), named at the end.
  const byPlatform = dates.map(() => new Array<number>(platform.names.length).fill(0));
  const byMode = dates.map(() => new Array<number>(mode.names.length).fill(0));
  const totalsPerDay = new Array<number>(dates.length).fill(0);
  const up = new Array<number>(dates.length).fill(0);
  const down = new Array<number>(dates.length).fill(0);
  const firstToken = dates.map(() => [] as number[]);
  const totalTimes = dates.map(() => [] as number[]);
  const hoursOfWeek = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  // Weekday of each day (0 = Monday): the date itself, not the UTC instant, decides it.
  const weekdays = dates.map((date) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7);
  const upCode = feedback.names.indexOf("up");
  const downCode = feedback.names.indexOf("down");
  const answerCode = mode.names.indexOf("answer");
  const okCode = status.names.indexOf("ok");

  for (let index = 0; index < columns.count; index++) {
    const time = columns.createdAtMs[index]!;
    const at = dayIndex(starts, time);
    totalsPerDay[at]!++;
    byPlatform[at]![platform.codes[index]!]!++;
    byMode[at]![mode.codes[index]!]!++;
    const vote = feedback.codes[index];
    if (vote === upCode) up[at]!++;
    else if (vote === downCode) down[at]!++;
    if (mode.codes[index] === answerCode && status.codes[index] === okCode) {
      const first = columns.firstTokenMs[index]!;
      const total = columns.totalMs[index]!;
      if (!Number.isNaN(first) && !Number.isNaN(total)) {
        firstToken[at]!.push(first);
        totalTimes[at]!.push(total);
      }
    }
    // Hours since the day's local midnight (a daylight-saving day is off by an hour for part of it).
    const hour = Math.min(23, Math.max(0, Math.floor((time - starts[at]!) / 3_600_000)));
    hoursOfWeek[weekdays[at]!]![hour]!++;
  }

  const named = (counts: number[], names: string[]) => {
    const result: Record<string, number> = {};
    counts.forEach((count, code) => {
      if (count > 0) result[names[code]!] = count;
    });
    return result;
  };
  const days = dates.map((date, at) => ({
    date,
    total: totalsPerDay[at]!,
    byPlatform: named(byPlatform[at]!, platform.names),
    byMode: named(byMode[at]!, mode.names),
    feedback: { up: up[at]!, down: down[at]! },
    firstToken: firstToken[at]!,
    totalTimes: totalTimes[at]!,
  }));

  const totals = {
    total: 0,
    byPlatform: {} as Record<string, number>,
    byMode: {} as Record<string, number>,
    feedback: { up: 0, down: 0 },
  };
  const result: DayStats[] = days.map((day) => {
    totals.total += day.total;
    for (const [key, count] of Object.entries(day.byPlatform))
      totals.byPlatform[key] = (totals.byPlatform[key] ?? 0) + count;
    for (const [key, count] of Object.entries(day.byMode))
      totals.byMode[key] = (totals.byMode[key] ?? 0) + count;
    totals.feedback.up += day.feedback.up;
    totals.feedback.down += day.feedback.down;
    // Typed arrays sort numerically without a comparator call per pair.
    const first = Float64Array.from(day.firstToken).sort();
    const total = Float64Array.from(day.totalTimes).sort();
    return {
      date: day.date,
      total: day.total,
      byPlatform: day.byPlatform,
      byMode: day.byMode,
      feedback: day.feedback,
      firstTokenMs: { p50: percentile(first, 0.5), p95: percentile(first, 0.95) },
      totalMs: { p50: percentile(total, 0.5), p95: percentile(total, 0.95) },
    };
  });
  return { from: range.from, to: range.to, timeZone: range.timeZone, days: result, totals, hoursOfWeek };
}

/** How many of `times` (ISO) fall on each day from `from` to `to` in the time zone. */
export function countPerDay(
  times: readonly string[],
  range: { from: string; to: string; timeZone: string },
): number[] {
  const starts = daysBetween(range.from, range.to).map((date) =>
    Date.parse(dayStartUtc(date, range.timeZone)!),
  );
  const counts = new Array<number>(starts.length).fill(0);
  for (const time of times) counts[dayIndex(starts, Date.parse(time))]!++;
  return counts;
}
