import { expect, it } from "vitest";
import { createTraceClock } from "../../src/chat/clock.ts";

it("gives answers started in the same millisecond distinct, increasing trace times", () => {
  const instant = new Date(Date.now() + 60_000);
  const clock = createTraceClock(() => instant);
  const times = Array.from({ length: 5 }, () => clock.traceTimestamp());
  expect(new Set(times).size).toBe(5);
  expect([...times].sort()).toEqual(times);
  expect(times[0]).toBe(instant.toISOString());
});
