/**
 * The relevance thresholds, calibrated on the team's question sets in full-text-only mode:
 * false refusals of on-topic questions under 5%, off-topic questions declined over 90%, on the
 * off-topic set used while tuning and on a held-out one written before the course-word list changed.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { evaluateRefusals } from "../../src/safety/calibration.ts";
import { fulltextRetrieverOver } from "../helpers/eval-sets.ts";

const root = mkdtempSync(join(tmpdir(), "calibration-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const questions = (name: string) =>
  readFileSync(resolve("test/fixtures/eval", name), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { question: string }).question);

it("keeps false refusals under 5% and declines over 90% of off-topic questions", async () => {
  const corpusDir = join(root, "corpus");
  cpSync(resolve("corpus"), join(corpusDir, "team"), { recursive: true });
  const withCourse = existsSync(resolve("../shared/course"));
  if (withCourse) cpSync(resolve("../shared/course"), join(corpusDir, "course"), { recursive: true });
  const retriever = await fulltextRetrieverOver(corpusDir, root);
  const onTopic = [
    ...questions("corpus-questions.jsonl"),
    ...(withCourse ? questions("course-questions.jsonl") : []),
    ...(withCourse ? questions("course-questions-blind.jsonl") : []),
  ];
  const relevanceOf = async (question: string) => (await retriever.retrieve(question)).relevance;
  const thresholds = loadConfig({}).relevance;
  const report = await evaluateRefusals(
    relevanceOf,
    { onTopic, offTopic: questions("offtopic-questions.jsonl") },
    thresholds,
  );
  expect(report.falseRefusalRate, report.falseRefusals.join(" | ")).toBeLessThan(0.05);
  expect(report.offTopicDeclinedRate, report.offTopicAnswered.join(" | ")).toBeGreaterThan(0.9);
  expect(report.notCoveredRate).toBeLessThan(0.05);
  // The held-out set: how the course-word list generalizes to off-topic questions it was not tuned on.
  const heldOut = await evaluateRefusals(
    relevanceOf,
    { onTopic: [], offTopic: questions("offtopic-heldout.jsonl") },
    thresholds,
  );
  expect(heldOut.offTopicDeclinedRate, heldOut.offTopicAnswered.join(" | ")).toBeGreaterThan(0.9);
});
