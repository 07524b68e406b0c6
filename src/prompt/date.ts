import { AppError } from "../errors.ts";

export interface CourseDate {
  /** ISO calendar date in the course's time zone, e.g. "2026-11-24". */
  date: string;
  /** Traditional Chinese weekday, e.g. "星期二". */
  weekday: string;
  /** English weekday, e.g. "Tuesday". */
  weekdayEnglish: string;
  /** 24-hour wall-clock time, e.g. "14:05". */
  time: string;
}

// An explicit table, so the output never depends on which ICU locale data Node was built with.
const CHINESE_WEEKDAYS: Record<string, string> = {
  Monday: "星期一",
  Tuesday: "星期二",
  Wednesday: "星期三",
  Thursday: "星期四",
  Friday: "星期五",
  Saturday: "星期六",
  Sunday: "星期日",
};

// Building an Intl.DateTimeFormat is comparatively slow; one per time zone is enough.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        weekday: "long",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23", // "00:05", never "24:05"
      });
    } catch (error) {
      throw new AppError(
        `Time zone "${timeZone}" is not a valid IANA time zone: use a name such as "Asia/Taipei"`,
        "config_invalid",
        error,
      );
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar date, weekday and time of `now` as seen in `timeZone` (IANA name). */
export function formatCourseDate(now: Date, timeZone: string): CourseDate {
  if (Number.isNaN(now.getTime())) {
    throw new AppError("formatCourseDate needs a valid Date, got an invalid one", "internal");
  }
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(now)) parts[part.type] = part.value;
  const weekdayEnglish = parts["weekday"] ?? "";
  return {
    date: `${parts["year"]?.padStart(4, "0")}-${parts["month"]}-${parts["day"]}`,
    weekday: CHINESE_WEEKDAYS[weekdayEnglish] ?? weekdayEnglish,
    weekdayEnglish,
    time: `${parts["hour"]}:${parts["minute"]}`,
  };
}
