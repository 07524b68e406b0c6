/** A corpus rollback also restores the verified answers as they were when that version was made. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, expect, test } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { ingestConfiguredCorpus, openCorpus, rollbackCorpusAndVerified } from "../../src/deps.ts";
import { VerifiedAnswerStore } from "../../src/store/verified-answers.ts";

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

test("rollback to version N brings back the verified answers of then", async () => {
  root = mkdtempSync(join(tmpdir(), "verified-rollback-"));
  const corpusDir = join(root, "corpus");
  cpSync(resolve("corpus"), corpusDir, { recursive: true });
  const config = loadConfig({ CORPUS_DIR: corpusDir, DATA_DIR: join(root, "data"), EMBED_MODEL: "none" });
  const corpus = await openCorpus(config);
  const verified = await VerifiedAnswerStore.open(corpus.database);
  const kept = await verified.add({ question: "HW2 何時截止？", answer: "10/22 23:59" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const first = await ingestConfiguredCorpus(config, corpus, null);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await verified.add({ question: "新的一題", answer: "之後才加的" });
  await verified.update(kept.id, { answer: "改過的答案" });
  writeFileSync(join(corpusDir, "extra-note.md"), "# 補充\n\n期末專題 3 到 4 人一組。\n");
  await ingestConfiguredCorpus(config, corpus, null);

  await rollbackCorpusAndVerified(corpus, verified, first.version);
  const answers = await verified.list();
  expect(answers.map((answer) => [answer.question, answer.answer])).toEqual([
    ["HW2 何時截止？", "10/22 23:59"],
  ]);
});
