import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openBotState } from "../../src/bots/bot-state.ts";
import { SeenEvents } from "../../src/seen-events.ts";

const HOUR = 60 * 60_000;

describe("bot state file", () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  const stateFile = (...parts: string[]) => {
    const folder = mkdtempSync(join(tmpdir(), "answer-index-"));
    folders.push(folder);
    return join(folder, ...parts);
  };

  it("keeps answer links across a restart", async () => {
    const file = stateFile("state", "bot-state.jsonl");
    const first = await openBotState({ file });
    first.answers.remember("discord:1", "trace-a");
    first.answers.remember("discord:2", "trace-b");
    await first.close();
    writeFileSync(file, `${readFileSync(file, "utf8")}{"messageId":"discord:3","tra`); // cut by a crash
    const second = await openBotState({ file });
    expect(second.answers.traceFor("discord:1")).toBe("trace-a");
    expect(second.answers.traceFor("discord:2")).toBe("trace-b");
    expect(second.answers.traceFor("discord:3")).toBeUndefined();
  });

  it("keeps only the most recent answers, and rewrites a grown file short", async () => {
    const file = stateFile("bot-state.jsonl");
    const state = await openBotState({ file, answerCapacity: 3 });
    for (let number = 1; number <= 10; number++) state.answers.remember(`m${number}`, `t${number}`);
    await state.close();
    expect(state.answers.traceFor("m7")).toBeUndefined();
    expect(state.answers.traceFor("m10")).toBe("t10");
    const reopened = await openBotState({ file, answerCapacity: 3 });
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(3);
    expect(reopened.answers.traceFor("m8")).toBe("t8");
  });

  it("keeps seen LINE events across a restart until they expire, beside the answer links", async () => {
    const file = stateFile("bot-state.jsonl");
    let now = 10 * HOUR;
    const first = await openBotState({ file, now: () => now });
    expect(first.lineEvents.firstTime("01HOLD")).toBe(true);
    now += 20 * HOUR;
    expect(first.lineEvents.firstTime("01HNEW")).toBe(true);
    first.answers.remember("discord:1", "trace-a");
    await first.close();

    now += 2 * HOUR; // 01HOLD is now 22 h old, 01HNEW 2 h
    const second = await openBotState({ file, now: () => now });
    expect(second.lineEvents.firstTime("01HNEW")).toBe(false);
    expect(second.lineEvents.firstTime("01HOLD")).toBe(false);
    expect(second.answers.traceFor("discord:1")).toBe("trace-a");
    await second.close();

    now += 3 * HOUR; // 01HOLD expired: the file is rewritten without it
    const third = await openBotState({ file, now: () => now });
    await third.close();
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.some((line) => line.includes("01HOLD"))).toBe(false);
    expect(lines.some((line) => line.includes("01HNEW"))).toBe(true);
    expect(lines.some((line) => line.includes("discord:1"))).toBe(true);
    expect(third.lineEvents.tooOld(now - 25 * HOUR)).toBe(true);
    expect(third.lineEvents.tooOld(now - HOUR)).toBe(false);
  });

  it("rewrites the file while running once it holds mostly forgotten records", async () => {
    const file = stateFile("bot-state.jsonl");
    const state = await openBotState({ file, answerCapacity: 10, lineEvents: { capacity: 10 } });
    for (let number = 1; number <= 5000; number++) state.lineEvents.firstTime(`event-${number}`);
    await state.close();
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.length).toBeLessThan(4200);
    expect(lines.at(-1)).toContain("event-5000");
    const reopened = await openBotState({ file, lineEvents: { capacity: 10 } });
    expect(reopened.lineEvents.firstTime("event-5000")).toBe(false);
  });

  it("works in memory without a file", async () => {
    const state = await openBotState();
    state.answers.remember("a", "t");
    expect(state.answers.traceFor("a")).toBe("t");
    expect(state.lineEvents.firstTime("e")).toBe(true);
    expect(state.lineEvents.firstTime("e")).toBe(false);
  });
});

describe("SeenEvents", () => {
  it("reports the first sighting only, and forgets after the time to live", () => {
    let now = 0;
    const seen = new SeenEvents({ ttlMs: 1000, capacity: 100, now: () => now });
    expect(seen.firstTime("e1")).toBe(true);
    expect(seen.firstTime("e1")).toBe(false);
    now = 1500;
    expect(seen.firstTime("e2")).toBe(true);
    expect(seen.firstTime("e1")).toBe(true);
  });

  it("remembers ids for a day by default: a capture replayed after an hour is still a repeat", () => {
    let now = 0;
    const seen = new SeenEvents({ now: () => now });
    expect(seen.firstTime("e1")).toBe(true);
    now = 2 * HOUR;
    expect(seen.firstTime("e1")).toBe(false);
    expect(seen.tooOld(now - 23 * HOUR)).toBe(false);
    expect(seen.tooOld(now - 25 * HOUR)).toBe(true);
  });
});
