/**
 * Retrieval quality on student-style questions, full-text only (the mode every offline machine
 * runs in). Floors sit a little under the measured figures so a regression fails loudly.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
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

async function retrieverOver(corpusDir: string, withTeamCorpus = false) {
  const root = mkdtempSync(join(tmpdir(), "quality-"));
  roots.push(root);
  if (!withTeamCorpus) return fulltextRetrieverOver(corpusDir, root);
  const both = join(root, "both");
  cpSync(corpusDir, both, { recursive: true });
  cpSync(resolve("corpus"), both, { recursive: true });
  return fulltextRetrieverOver(both, root);
}

const SETS = [
  {
    name: "the team's corpus",
    corpus: resolve("corpus"),
    questions: "corpus-questions.jsonl",
    minQuestions: 25,
    recallAt5: 0.95,
    mrr: 0.89,
  },
  {
    name: "the real lecture material",
    corpus: COURSE_DIR,
    questions: "course-questions.jsonl",
    minQuestions: 30,
    recallAt5: 0.95,
    mrr: 0.88,
  },
  // Written by someone who had not seen the retrieval code, from the lectures alone.
  {
    name: "a blind-written set about the lectures",
    corpus: COURSE_DIR,
    questions: "course-questions-blind.jsonl",
    minQuestions: 50,
    recallAt5: 0.95,
    mrr: 0.9,
  },
  // Written blind from the lectures alone for the next round, and used to tune it since.
  {
    name: "the lecture dev set",
    corpus: COURSE_DIR,
    questions: "lecture-dev.jsonl",
    minQuestions: 50,
    recallAt5: 0.95,
    mrr: 0.85,
  },
  // The student-voice dev set (typos, half-English, lectures by date): both corpora in one index.
  {
    name: "the student-voice dev set, both corpora together",
    corpus: COURSE_DIR,
    withTeamCorpus: true,
    questions: "student-voice-dev.jsonl",
    minQuestions: 50,
    recallAt5: 0.95,
    mrr: 0.89,
  },
];

describe("retrieval quality, full-text only", () => {
  for (const set of SETS) {
    it.skipIf(!existsSync(set.corpus))(`answers questions about ${set.name}`, async () => {
      const report = await evaluateRetrieval(
        await retrieverOver(set.corpus, "withTeamCorpus" in set),
        readQuestions(set.questions),
      );
      expect(report.questions).toBeGreaterThanOrEqual(set.minQuestions);
      expect(report.recallAtK).toBeGreaterThanOrEqual(set.recallAt5);
      expect(report.mrr).toBeGreaterThanOrEqual(set.mrr);
      expect(report.averagePassageChars).toBeLessThanOrEqual(600);
    });
  }
});
