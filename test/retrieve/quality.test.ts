/**
 * Retrieval quality on student-style questions, full-text only (the mode every offline machine
 * runs in). Floors sit a little under the measured figures so a regression fails loudly.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type EvalQuestion, evaluateRetrieval } from "../../src/retrieve/evaluation.ts";
import { fulltextRetrieverOver, readEvalSet } from "../helpers/eval-sets.ts";

const COURSE_DIR = resolve("../shared/course");
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const readQuestions = (name: string) => readEvalSet<EvalQuestion>(name);

async function retrieverOver(corpusDir: string) {
  const root = mkdtempSync(join(tmpdir(), "quality-"));
  roots.push(root);
  return fulltextRetrieverOver(corpusDir, root);
}

describe("retrieval quality, full-text only", () => {
  it("answers questions about the team's corpus", async () => {
    const report = await evaluateRetrieval(
      await retrieverOver(resolve("corpus")),
      readQuestions("corpus-questions.jsonl"),
    );
    expect(report.questions).toBeGreaterThanOrEqual(25);
    expect(report.recallAtK).toBeGreaterThanOrEqual(0.9);
    expect(report.mrr).toBeGreaterThanOrEqual(0.83);
    expect(report.averagePassageChars).toBeLessThanOrEqual(600);
  });

  it.skipIf(!existsSync(COURSE_DIR))("answers questions about the real lecture material", async () => {
    const report = await evaluateRetrieval(
      await retrieverOver(COURSE_DIR),
      readQuestions("course-questions.jsonl"),
    );
    expect(report.questions).toBeGreaterThanOrEqual(30);
    expect(report.recallAtK).toBeGreaterThanOrEqual(0.93);
    expect(report.mrr).toBeGreaterThanOrEqual(0.75);
    expect(report.averagePassageChars).toBeLessThanOrEqual(600);
  });

  // Written by someone who had not seen the retrieval code, from the lectures alone.
  it.skipIf(!existsSync(COURSE_DIR))("answers a second, blind-written set about the lectures", async () => {
    const report = await evaluateRetrieval(
      await retrieverOver(COURSE_DIR),
      readQuestions("course-questions-blind.jsonl"),
    );
    expect(report.questions).toBeGreaterThanOrEqual(50);
    expect(report.recallAtK).toBeGreaterThanOrEqual(0.93);
    expect(report.mrr).toBeGreaterThanOrEqual(0.75);
    expect(report.averagePassageChars).toBeLessThanOrEqual(600);
  });
});
