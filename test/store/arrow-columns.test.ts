/** Arrow text columns read in place: codes, times and JSON numbers equal what parsing strings gives. */
import { Utf8, vectorFromArray } from "apache-arrow";
import { expect, it } from "vitest";
import { dictionaryCodes, isoTimesMs, jsonNumbers } from "../../src/store/arrow-columns.ts";

const text = (values: string[]) => vectorFromArray(values, new Utf8());

it("codes each distinct value, Chinese and empty ones included", () => {
  const { codes, names } = dictionaryCodes(text(["line", "discord", "line", "", "已驗證", "discord"]));
  expect([...codes].map((code) => names[code])).toEqual(["line", "discord", "line", "", "已驗證", "discord"]);
  expect(names).toEqual(["line", "discord", "", "已驗證"]);
});

it("reads ISO times as epoch milliseconds, other spellings through Date.parse", () => {
  const times = ["2026-03-01T16:30:05.123Z", "2026-03-01T16:30:05+08:00"];
  expect([...isoTimesMs(text(times))]).toEqual(times.map((time) => Date.parse(time)));
});

it("reads a number after its key in JSON text, NaN when absent", () => {
  const rows = [
    JSON.stringify({ retrievalMs: 1, firstTokenMs: 250, totalMs: 1234.5 }),
    JSON.stringify({ firstTokenMs: -3, totalMs: 1.5e21 }),
    "{}",
  ];
  const [total, first] = jsonNumbers(text(rows), ["totalMs", "firstTokenMs"]);
  expect([...total!]).toEqual([1234.5, 1.5e21, Number.NaN]);
  expect([...first!]).toEqual([250, -3, Number.NaN]);
});
