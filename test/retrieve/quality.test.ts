/**
 * Retrieval quality on student-style questions, full-text only (the mode every offline machine
 * runs in). Floors sit a little under the measured figures so a regression fails loudly.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ingestCorpus } from "../../src/ingest/ingest.ts";
import { type EvalQuestion, evaluateRetrieval } from "../../src/retrieve/evaluation.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";

const COURSE_DIR = resolve("../shared/course");
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function readQuestions(name: string): EvalQuestion[] {
  return readFileSync(resolve("test/fixtures/eval", name), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as EvalQuestion);
}

async function retrieverOver(corpusDir: string) {
  const root = mkdtempSync(join(tmpdir(), "quality-"));
  roots.push(root);
  const database = await openDatabase(join(root, "data"));
  const chunks = await ChunkStore.open(database);
  await ingestCorpus({
    corpusDir,
    chunks,
    log: await IngestLog.open(database),
    embedder: null,
    chunkOptions: { targetChars: 450, maxChars: 630, overlapChars: 60 },
  });
  return createRetriever({ chunks, embedder: null });
}

describe("retrieval quality, full-text only", () => {
  it("answers questions about the team's corpus", async () => {
    const report = await evaluateRetrieval(
      await retrieverOver(resolve("corpus")),
      readQuestions("corpus-questions.jsonl"),
    );
    expect(report.questions).toBeGreaterThanOrEqual(25);
    expect(report.recallAtK).toBeGreaterThanOrEqual(0.9);
    expect(report.mrr).toBeGreaterThanOrEqual(0.78);
    expect(report.averagePassageChars).toBeLessThanOrEqual(600);
  });

  it.skipIf(!existsSync(COURSE_DIR))("answers questions about the real lecture material", async () => {
    const report = await evaluateRetrieval(
      await retrieverOver(COURSE_DIR),
      readQuestions("course-questions.jsonl"),
    );
    expect(report.questions).toBeGreaterThanOrEqual(30);
    expect(report.recallAtK).toBeGreaterThanOrEqual(0.9);
    expect(report.mrr).toBeGreaterThanOrEqual(0.7);
    expect(report.averagePassageChars).toBeLessThanOrEqual(600);
  });
});
