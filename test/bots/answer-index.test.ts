import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AnswerIndex } from "../../src/bots/answer-index.ts";
import { SeenEvents } from "../../src/bots/seen-events.ts";

describe("AnswerIndex", () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it("survives a restart when given a file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "answer-index-"));
    folders.push(folder);
    const file = join(folder, "state", "bot-state.jsonl");
    const first = await AnswerIndex.open({ file });
    first.remember("discord:1", "trace-a");
    first.remember("discord:2", "trace-b");
    await first.close();
    writeFileSync(file, `${readFileSync(file, "utf8")}{"messageId":"discord:3","tra`); // cut by a crash
    const second = await AnswerIndex.open({ file });
    expect(second.traceFor("discord:1")).toBe("trace-a");
    expect(second.traceFor("discord:2")).toBe("trace-b");
    expect(second.traceFor("discord:3")).toBeUndefined();
  });

  it("keeps only the most recent answers, and rewrites a grown file short", async () => {
    const folder = mkdtempSync(join(tmpdir(), "answer-index-"));
    folders.push(folder);
    const file = join(folder, "bot-state.jsonl");
    const index = await AnswerIndex.open({ file, capacity: 3 });
    for (let number = 1; number <= 10; number++) index.remember(`m${number}`, `t${number}`);
    await index.close();
    expect(index.traceFor("m7")).toBeUndefined();
    expect(index.traceFor("m10")).toBe("t10");
    const reopened = await AnswerIndex.open({ file, capacity: 3 });
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(3);
    expect(reopened.traceFor("m8")).toBe("t8");
  });

  it("works in memory without a file", async () => {
    const index = await AnswerIndex.open();
    index.remember("a", "t");
    expect(index.traceFor("a")).toBe("t");
  });
});

describe("SeenEvents", () => {
  it("reports the first sighting only, and forgets after the time to live", () => {
    let now = 0;
    const seen = new SeenEvents(1000, 100, () => now);
    expect(seen.firstTime("e1")).toBe(true);
    expect(seen.firstTime("e1")).toBe(false);
    now = 1500;
    expect(seen.firstTime("e2")).toBe(true);
    expect(seen.firstTime("e1")).toBe(true);
  });
});
