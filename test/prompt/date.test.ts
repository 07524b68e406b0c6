import { describe, expect, it } from "vitest";
import { formatCourseDate } from "../../src/prompt/index.ts";
import { catchAppError } from "./helpers.ts";

describe("formatCourseDate", () => {
  it("uses the Taipei calendar day across the UTC midnight boundary", () => {
    // 17:30 on Monday in UTC is already 01:30 on Tuesday in Taipei (UTC+8).
    expect(formatCourseDate(new Date("2026-11-23T17:30:00Z"), "Asia/Taipei")).toEqual({
      date: "2026-11-24",
      weekday: "星期二",
      weekdayEnglish: "Tuesday",
      time: "01:30",
    });
    expect(formatCourseDate(new Date("2026-11-23T17:30:00Z"), "UTC")).toMatchObject({
      date: "2026-11-23",
      weekday: "星期一",
    });
  });

  it("writes midnight as 00:xx and Sunday as 星期日", () => {
    expect(formatCourseDate(new Date("2026-11-28T16:05:00Z"), "Asia/Taipei")).toEqual({
      date: "2026-11-29",
      weekday: "星期日",
      weekdayEnglish: "Sunday",
      time: "00:05",
    });
  });

  it("gives 14:05 in the afternoon", () => {
    expect(formatCourseDate(new Date("2026-11-24T06:05:00Z"), "Asia/Taipei").time).toBe("14:05");
  });

  it("rejects an unknown time zone with config_invalid", () => {
    const error = catchAppError(() => formatCourseDate(new Date(), "Mars/Olympus_Mons"));
    expect(error.code).toBe("config_invalid");
    expect(error.message).toContain("Mars/Olympus_Mons");
  });
});
